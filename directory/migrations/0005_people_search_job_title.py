"""An index for finding a person by a word of their job title in the person picker.

PostgreSQL only, as migration 0004: pg_trgm's GIN index on the lower-cased job title serves
``LOWER(job_title) LIKE '%nurse%'``, ``LIKE 'nu%'`` and ``LIKE '% nu%'`` (pg_trgm splits the
title into words, so a word's start is in the index too). SQLite reads the table instead.
"""

from django.db import migrations

INDEXES = {
    "user_job_title_trgm": "USING gin (LOWER(job_title) gin_trgm_ops)",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, how in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON directory_user {how}")
    # Statistics of the indexed expression, which the planner has only once the table is analysed.
    schema_editor.execute("ANALYZE directory_user")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("directory", "0004_people_search_indexes")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
