"""Indexes for finding a person by what is typed into the person picker (directory/people.py).

PostgreSQL only: pg_trgm's GIN indexes on the lower-cased first and last names serve
``LOWER(name) LIKE '%son%'`` and ``LIKE 'pa%'``, and a pattern-ops index on the lower-cased
email serves ``LOWER(email) LIKE 'paul.po%'`` (the unique index on it can't, outside the C
collation). SQLite has neither; there the same queries read the table, which its size allows.
The extension is left in place on the way back: other indexes may use it.
"""

from django.db import migrations

INDEXES = {
    "user_first_name_trgm": "USING gin (LOWER(first_name) gin_trgm_ops)",
    "user_last_name_trgm": "USING gin (LOWER(last_name) gin_trgm_ops)",
    "user_email_prefix": "(LOWER(email) text_pattern_ops)",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, how in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON directory_user {how}")
    # Statistics of the indexed expressions, which the planner has only once the table is analysed.
    schema_editor.execute("ANALYZE directory_user")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("directory", "0003_role_groups")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
