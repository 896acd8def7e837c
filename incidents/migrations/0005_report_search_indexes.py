"""Indexes for finding cases by their reports: a report's reference by its start, a handle by any part.

PostgreSQL only, like casework's search indexes: ``UPPER(reference) text_pattern_ops`` serves
``istartswith`` on the reference, pg_trgm's GIN index serves ``poster_handle_key LIKE '%nurse%'``.
SQLite has neither and reads the table, which its size allows.
"""

from django.db import migrations

INDEXES = {
    "report_reference_upper": "(UPPER(reference) text_pattern_ops)",
    "report_handle_key_trgm": "USING gin (poster_handle_key gin_trgm_ops)",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, how in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON incidents_report {how}")
    # Statistics of the indexed expressions, which the planner has only once the table is analysed.
    schema_editor.execute("ANALYZE incidents_report")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0004_evidence_file_name_index")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
