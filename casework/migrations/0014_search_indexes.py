"""Indexes for the case search: a reference by its start, a poster's handle by any part of it.

PostgreSQL only. ``UPPER(reference) text_pattern_ops`` serves ``UPPER(reference) LIKE 'SMP-2026-0004%'``
(what ``istartswith`` asks; the unique index on the reference can't, outside the C collation), and
pg_trgm's GIN index serves ``poster_handle_key LIKE '%nurse%'``. SQLite has neither; there the same
queries read the table, which its size allows. The extension stays on the way back: other indexes
may use it.
"""

from django.db import migrations

INDEXES = {
    "case_reference_upper": "(UPPER(reference) text_pattern_ops)",
    "case_handle_key_trgm": "USING gin (poster_handle_key gin_trgm_ops)",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, how in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON casework_case {how}")
    # The planner knows nothing of an indexed expression until the table is analysed: without
    # it, a search by reference is guessed to match thousands of cases and read in date order.
    schema_editor.execute("ANALYZE casework_case")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("casework", "0013_list_indexes")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
