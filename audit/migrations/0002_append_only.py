"""The database itself refuses to change or delete audit rows.

PostgreSQL: a BEFORE UPDATE OR DELETE trigger raises an error for every row,
whoever runs the statement (the table's owner included, unless they first
disable the trigger, which only the owner can do and which is itself a
deliberate act). UPDATE, DELETE and TRUNCATE are also taken from PUBLIC; the
README shows the grants for a separate application role that can add and
read rows and nothing else (audit/app_role.sql). Emptying the whole database
with TRUNCATE stays possible for the owner, as ``manage.py flush`` needs.

The chain head may move forward only, and can't be deleted.

SQLite has no roles: triggers refuse every UPDATE, and every DELETE unless
Flagpost's own connection says the whole database is being flushed (see
audit/guard.py). A later migration that rebuilds these tables on SQLite
drops the triggers with the old table; the tests would catch it.
"""

from __future__ import annotations

from django.db import migrations

POSTGRESQL_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'The audit trail is append-only: % of a row of % is refused.', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()
    """,
    """
    CREATE OR REPLACE FUNCTION audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' OR NEW.seq < OLD.seq THEN
            RAISE EXCEPTION 'The audit chain head only moves forward.' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER audit_head_forward_only BEFORE UPDATE OR DELETE ON audit_auditchainhead
        FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only()
    """,
    "REVOKE UPDATE, DELETE, TRUNCATE ON audit_auditevent FROM PUBLIC",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_head_forward_only ON audit_auditchainhead",
    "DROP FUNCTION IF EXISTS audit_head_forward_only()",
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent",
    "DROP FUNCTION IF EXISTS audit_refuse_change()",
]

SQLITE_FORWARD = [
    """
    CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, 'The audit trail is append-only: rows cannot be changed.'); END
    """,
    """
    CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent WHEN flagpost_audit_locked()
    BEGIN SELECT RAISE(ABORT, 'The audit trail is append-only: rows cannot be deleted.'); END
    """,
    """
    CREATE TRIGGER audit_head_no_rewind BEFORE UPDATE ON audit_auditchainhead WHEN NEW.seq < OLD.seq
    BEGIN SELECT RAISE(ABORT, 'The audit chain head only moves forward.'); END
    """,
    """
    CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_auditchainhead WHEN flagpost_audit_locked()
    BEGIN SELECT RAISE(ABORT, 'The audit chain head only moves forward.'); END
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_head_no_delete",
    "DROP TRIGGER IF EXISTS audit_head_no_rewind",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
    "DROP TRIGGER IF EXISTS audit_event_no_update",
]

_STATEMENTS = {
    "postgresql": (POSTGRESQL_FORWARD, POSTGRESQL_REVERSE),
    "sqlite": (SQLITE_FORWARD, SQLITE_REVERSE),
}


def _run(schema_editor: object, index: int) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in _STATEMENTS:
        raise RuntimeError(f"Flagpost can't make the audit trail append-only on {vendor}.")
    for statement in _STATEMENTS[vendor][index]:
        # No parameters: the PL/pgSQL bodies use % for their own placeholders.
        schema_editor.execute(statement, params=None)


def forward(apps: object, schema_editor: object) -> None:
    _run(schema_editor, 0)


def reverse(apps: object, schema_editor: object) -> None:
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forward, reverse)]
