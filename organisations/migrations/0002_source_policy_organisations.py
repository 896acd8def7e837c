"""The two employers of the source policies: the Trust and Healthwatch Worcestershire.

Only their names (organisations.services.SOURCE_ORGANISATIONS holds the same): email domains and single sign-on are each deployment's own,
set in the admin (the demo seed adds its demo domains).
"""

from django.db import migrations

ORGANISATIONS = (
    ("Worcestershire Health and Care NHS Trust", "WHCT", "R1A"),
    ("Healthwatch Worcestershire", "Healthwatch", ""),
)


def create(apps, schema_editor):
    Organisation = apps.get_model("organisations", "Organisation")
    for name, short_name, ods_code in ORGANISATIONS:
        Organisation.objects.get_or_create(
            short_name=short_name, defaults={"name": name, "ods_code": ods_code}
        )


class Migration(migrations.Migration):
    dependencies = [("organisations", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
