from django.db import migrations, models

# The themes as the register gave them when this field was added, by principle title; later
# changes come with the register (load_policy_register).
_THEMES = {
    "Only use social media in your own time": "work",
    "Make clear opinions are your own": "truth",
    "Setting up official service sites": "work",
    "Openness and honesty": "truth",
    "Respect others": "people",
    "Respect equality and human rights": "people",
    "Be aware that posts become public": "other",
    "Get your facts right": "truth",
    "Defamation and confidential information": "patients",
    "Use of photos": "patients",
    "Protect patient confidentiality": "patients",
    "Adhere to other Trust policies": "other",
    "Work accounts need a disclaimer and total separation from personal accounts": "work",
    "Nothing inappropriate, offensive or illegal": "people",
    "Nothing that shows the organisation in a negative light": "work",
    "Never reveal confidential information": "patients",
    "Never breach data protection or post photographs without permission": "patients",
    "No derogatory comments about colleagues, managers, business associates or clients": "people",
    "No defamation": "truth",
    "Work e-mail only for business social media accounts": "work",
}


def _themes_set(apps, schema_editor):
    Principle = apps.get_model("policies", "Principle")
    for title, theme in _THEMES.items():
        Principle.objects.filter(title=title).update(theme=theme)


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="principle",
            name="theme",
            field=models.CharField(
                choices=[
                    ("patients", "Patients, confidential information and photos"),
                    ("people", "How it treats or talks about people"),
                    ("truth", "Honesty, facts and opinions"),
                    ("work", "Work time, work accounts and speaking for the organisation"),
                    ("other", "Anything else the policy asks"),
                ],
                default="other",
                help_text="The plain-words heading the report form shows it under.",
                max_length=20,
            ),
        ),
        migrations.RunPython(_themes_set, migrations.RunPython.noop),
    ]
