"""Repeat subjects in the governance figures: the period's cases read from one index alone.

``governance.selectors._people_with_another_case`` groups a period's cases by
person. With the person's columns carried in an index on ``created_at`` (a
covering index), PostgreSQL reads a year of cases from the index without
visiting the table (an index-only scan), instead of fetching every case row.
``directorate_id`` is carried too, for the figures filtered by directorate.

PostgreSQL only: SQLite has no covering indexes (Django would warn about one
declared on the model), and there the index on ``created_at`` serves.
"""

from django.db import migrations

NAME = "case_created_subjects"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {NAME} ON casework_case (created_at) "
        "INCLUDE (poster_id, subject_key, directorate_id)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("casework", "0010_case_change")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
