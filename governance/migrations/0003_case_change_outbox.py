from django.db import migrations


def move_marks(apps, schema_editor):
    """Cases marked but not yet counted stay marked, in the core's outbox."""
    schema_editor.execute(
        "INSERT INTO casework_casechange (case_id, at) SELECT case_id, CURRENT_TIMESTAMP FROM governance_pendingcase"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0010_case_change"),
        ("governance", "0002_rollup"),
    ]

    operations = [
        migrations.RunPython(move_marks, migrations.RunPython.noop),
        migrations.DeleteModel(
            name="PendingCase",
        ),
    ]
