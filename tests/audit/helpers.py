"""Tampering with the trail the way its database owner could: triggers off, plain SQL."""

from __future__ import annotations

from django.db import connection

from audit.chain import row_content, row_hash
from audit.models import AuditEvent


def triggers_off() -> None:
    """Switch the append-only triggers off for the rest of this test's transaction."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE can't run while the rows' deferred foreign-key checks are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            cursor.execute("ALTER TABLE audit_auditchainhead DISABLE TRIGGER USER")
        else:
            for trigger in (
                "audit_event_no_update",
                "audit_event_no_delete",
                "audit_head_no_rewind",
                "audit_head_no_delete",
            ):
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")


def trail_and_head_emptied() -> None:
    triggers_off()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE audit_auditevent, audit_auditchainhead RESTART IDENTITY")
        else:
            cursor.execute("DELETE FROM audit_auditevent")
            cursor.execute("DELETE FROM audit_auditchainhead")


def row_rewritten_and_chain_recomputed(seq: int, *, ip_address: str) -> None:
    """Change one row, then give it and every later row a hash that adds up, and move the head."""
    triggers_off()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET ip_address = %s WHERE seq = %s", [ip_address, seq]
        )
    rows = list(AuditEvent.objects.filter(seq__gte=seq).order_by("seq"))
    prev_hash = rows[0].prev_hash
    for row in rows:
        content = row_content(
            seq=row.seq,
            at=row.at,
            kind=row.kind,
            actor_id=row.actor_id,
            case_id=row.case_id,
            case_reference=row.case_reference,
            detail=row.detail,
            ip_address=row.ip_address,
        )
        digest = row_hash(str(prev_hash), content)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE seq = %s",
                [prev_hash, digest, row.seq],
            )
        prev_hash = digest
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditchainhead SET seq = %s, hash = %s WHERE id = 1",
            [rows[-1].seq, prev_hash],
        )
