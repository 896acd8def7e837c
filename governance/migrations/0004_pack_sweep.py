from django.db import migrations, models
from django.utils import timezone


def _sweep_unfinished(apps, schema_editor):
    # Packs left queued or rendering before the sweeper looked at packs by due time are due now.
    apps.get_model("governance", "CommitteePack").objects.filter(
        status__in=["queued", "rendering"]
    ).update(due_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0003_case_change_outbox"),
    ]

    operations = [
        migrations.AddField(
            model_name="committeepack",
            name="claim",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="committeepack",
            name="due_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="committeepack",
            index=models.Index(
                condition=models.Q(("due_at__isnull", False)), fields=["due_at"], name="pack_due"
            ),
        ),
        migrations.RunPython(_sweep_unfinished, migrations.RunPython.noop),
    ]
