"""Indexes for the audit trail page: newest first, filtered by date, person, kind or case.

Each runs in the page's order (time, then row number, newest first), so a keyset page reads
its own rows only. Adding an index changes no row: the append-only triggers and the grants of
``0002_append_only``/``0004_sealer`` are untouched, and the sealing columns are not involved.

PostgreSQL also gets a partial index on the username fingerprint of failed sign-ins, the other
half of a search for a person (SQLite has no jsonb operator to index, and no need of it).
"""

import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


SIGN_IN_INDEX = """
    CREATE INDEX IF NOT EXISTS audit_signin_tried_at_seq ON audit_auditevent
        ((detail -> 'username_sha256'), at DESC, seq DESC)
        WHERE kind IN ('sign_in_failed', 'locked_out')
"""


def sign_in_index(apps: object, schema_editor: object) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SIGN_IN_INDEX, params=None)
        # The planner has statistics of the indexed expressions (the upper-cased reference, the
        # email fingerprint) only once the table is analysed; a sample, however long the trail.
        schema_editor.execute("ANALYZE audit_auditevent", params=None)


def sign_in_index_drop(apps: object, schema_editor: object) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS audit_signin_tried_at_seq", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_sealer"),
        ("casework", "0010_case_change"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["actor", "-at", "-seq"], name="audit_actor_at_seq"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["kind", "-at", "-seq"], name="audit_kind_at_seq"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                django.db.models.functions.text.Upper("case_reference"),
                models.OrderBy(models.F("at"), descending=True),
                models.OrderBy(models.F("seq"), descending=True),
                name="audit_caseref_at_seq",
            ),
        ),
        migrations.RunPython(sign_in_index, sign_in_index_drop),
    ]
