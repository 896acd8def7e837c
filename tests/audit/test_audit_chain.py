"""The audit trail is a hash chain the database won't let anyone rewrite, and a check that finds a break.

Tampering is simulated the way an attacker with database access would do it:
the append-only trigger is switched off (PostgreSQL) or dropped (SQLite)
inside the test's transaction, and a row is changed with plain SQL.
"""

from __future__ import annotations

import io
import itertools
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.chain import row_content, row_hash
from audit.models import AuditChainHead, AuditCheck, AuditEvent, AuditKind
from audit.services import audit_record, audit_seal, audit_verify
from audit.tasks import audit_verify_nightly
from directory.models import Role, User
from notifications.models import Notification, NotificationKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

APP_ROLE_SQL = Path(settings.BASE_DIR) / "audit" / "app_role.sql"


def _sealed(*rows: AuditEvent) -> list[AuditEvent]:
    """The rows as the sealer left them (on PostgreSQL they are written without their hashes)."""
    audit_seal()
    return [AuditEvent.objects.get(seq=row.seq) for row in rows]


def _trail(count: int, *, actor: User | None = None) -> list[AuditEvent]:
    return _sealed(
        *(
            audit_record(kind=AuditKind.SIGNED_IN, actor=actor, detail={"n": n})
            for n in range(count)
        )
    )


@contextmanager
def _guard_off() -> Iterator[None]:
    """Switch the append-only triggers off for this test only (its transaction undoes it)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE can't run while the rows' deferred foreign-key checks are pending: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
            cursor.execute(
                "ALTER TABLE audit_auditchainhead DISABLE TRIGGER audit_head_forward_only"
            )
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            for trigger in (
                "audit_event_no_update",
                "audit_event_no_delete",
                "audit_head_no_rewind",
                "audit_head_no_delete",
            ):
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    yield


def _sql(statement: str, *params: object) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _verify_fails() -> str:
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit", stdout=io.StringIO())
    assert failure.value.returncode == 1
    return str(failure.value)


def _written(row: AuditEvent) -> str:
    return f"{timezone.localtime(row.at):%-d %b %Y %H:%M:%S}"


def test_each_row_carries_the_hash_of_the_row_before_and_of_its_own_content(outsider) -> None:
    rows = _trail(3, actor=outsider)
    for before, row in itertools.pairwise(rows):
        assert row.seq == before.seq + 1 and row.prev_hash == before.hash
    stored = AuditEvent.objects.get(seq=rows[-1].seq)
    content = row_content(
        seq=stored.seq,
        at=stored.at,
        kind=stored.kind,
        actor_id=stored.actor_id,
        case_id=stored.case_id,
        case_reference=stored.case_reference,
        detail=stored.detail,
        ip_address=stored.ip_address,
    )
    assert stored.hash == row_hash(stored.prev_hash, content) and len(stored.hash) == 64
    assert AuditChainHead.objects.get().seq == stored.seq


def test_an_intact_trail_verifies_and_says_how_many_rows(outsider) -> None:
    _trail(5, actor=outsider)
    total = AuditEvent.objects.count()
    for chunk in ("2000", "2"):
        out = io.StringIO()
        call_command("verify_audit", "--chunk-size", chunk, stdout=out)
        assert out.getvalue().strip() == f"The audit trail is intact: {total} rows verified."


def test_a_row_altered_in_the_database_is_named_by_its_number_and_time(outsider) -> None:
    rows = _trail(6, actor=outsider)
    target = rows[3]
    with _guard_off():
        _sql(
            "UPDATE audit_auditevent SET ip_address = %s WHERE seq = %s", "203.0.113.9", target.seq
        )
    message = _verify_fails()
    assert f"Audit row {target.seq} (written {_written(target)}" in message
    assert "changed after it was written" in message
    # The rows before it were checked and found intact.
    assert audit_verify().rows_verified == target.seq - 1


def test_a_row_rewritten_with_a_fresh_hash_breaks_the_link_to_the_next_row(outsider) -> None:
    rows = _trail(5, actor=outsider)
    target, following = rows[2], rows[3]
    forged = row_hash(
        target.prev_hash,
        row_content(
            seq=target.seq,
            at=target.at,
            kind=target.kind,
            actor_id=None,
            case_id=None,
            case_reference="",
            detail=target.detail,
            ip_address="",
        ),
    )
    with _guard_off():
        _sql(
            "UPDATE audit_auditevent SET actor_id = NULL, hash = %s WHERE seq = %s",
            forged,
            target.seq,
        )
    message = _verify_fails()
    assert f"Audit row {following.seq} (written {_written(following)}" in message
    assert f"does not carry the hash of row {target.seq}" in message


def test_a_deleted_row_is_named(outsider) -> None:
    rows = _trail(5, actor=outsider)
    with _guard_off():
        _sql("DELETE FROM audit_auditevent WHERE seq = %s", rows[1].seq)
    message = _verify_fails()
    assert f"Audit row {rows[1].seq} is missing" in message


def test_rows_removed_from_the_end_are_noticed(outsider) -> None:
    rows = _trail(5, actor=outsider)
    with _guard_off():
        _sql("DELETE FROM audit_auditevent WHERE seq >= %s", rows[3].seq)
    message = _verify_fails()
    assert f"rows {rows[3].seq} to {rows[4].seq} were removed" in message


def test_a_row_slipped_in_past_the_writer_is_noticed(outsider) -> None:
    rows = _trail(2, actor=outsider)
    last = rows[-1]
    # Inserting is allowed (that is how the trail grows); going round the writer is what gets caught.
    AuditEvent.objects.create(
        seq=last.seq + 1,
        at=timezone.now(),
        kind=AuditKind.SIGNED_IN,
        prev_hash=last.hash,
        hash="f" * 64,
    )
    message = _verify_fails()
    assert f"Audit row {last.seq + 1} and later were put into the table without" in message


def _refused(statement: str, *params: object) -> str:
    with pytest.raises(DatabaseError) as refusal, transaction.atomic():
        _sql(statement, *params)
    return str(refusal.value)


def test_the_database_refuses_to_change_or_delete_audit_rows(outsider) -> None:
    row = _trail(1, actor=outsider)[0]
    before = AuditEvent.objects.filter(seq=row.seq).values().get()
    assert "append-only" in _refused(
        "UPDATE audit_auditevent SET ip_address = '198.51.100.1' WHERE seq = %s", row.seq
    )
    assert "append-only" in _refused("DELETE FROM audit_auditevent WHERE seq = %s", row.seq)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=row.seq).update(kind=AuditKind.CASE_VIEWED)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=row.seq).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditChainHead.objects.update(
            seq=0
        )  # winding the head back to hide rows removed from the end
    assert AuditEvent.objects.filter(seq=row.seq).values().get() == before
    assert audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_emptying_the_whole_database_on_purpose_still_works(outsider) -> None:
    """``manage.py flush`` (as between transactional tests) empties the trail; nothing else can."""
    _trail(2, actor=outsider)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists() and not AuditChainHead.objects.exists()
    assert audit_record(kind=AuditKind.SIGNED_IN, actor=None).seq == 1  # a new chain starts


@pytest.mark.postgresql
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database roles and grants are PostgreSQL's"
)
def test_the_application_role_from_the_readme_can_add_rows_but_never_change_or_remove_them(
    outsider,
) -> None:
    """The documented grants hold on their own: with the trigger off, the role is still refused."""
    role = f"flagpost_app_{uuid.uuid4().hex[:12]}"  # roles are cluster-wide; the test's transaction drops it
    script = APP_ROLE_SQL.read_text().replace("flagpost_app", role)
    statements = [
        line for line in script.splitlines() if line.strip() and not line.startswith("--")
    ]
    row = _trail(1, actor=outsider)[0]
    _sql(f"CREATE ROLE {role}")
    for statement in statements:
        _sql(statement)
    with _guard_off():
        _sql(f"SET ROLE {role}")
    try:
        for statement in (
            "UPDATE audit_auditevent SET ip_address = '198.51.100.1'",
            "DELETE FROM audit_auditevent",
            "TRUNCATE audit_auditevent",
        ):
            assert "permission denied" in _refused(statement)
        # The application still writes, and seals.
        [written] = _sealed(audit_record(kind=AuditKind.CASE_VIEWED, actor=outsider))
    finally:
        _sql("RESET ROLE")
    assert written.prev_hash == row.hash
    assert audit_verify().ok


@pytest.mark.postgresql
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises writers on the whole file, so there is no race to test",
)
@pytest.mark.django_db(transaction=True)
def test_writers_at_the_same_moment_still_make_one_unbroken_chain() -> None:
    people = [UserFactory() for _ in range(4)]
    start = threading.Barrier(len(people), timeout=30)
    errors: list[BaseException] = []

    def write(person: User) -> None:
        try:
            start.wait()
            for n in range(15):
                with transaction.atomic():
                    audit_record(kind=AuditKind.CASE_VIEWED, actor=person, detail={"n": n})
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    report = audit_verify()
    assert report.ok and report.rows_verified == AuditEvent.objects.count() == 60


# --- The nightly check -------------------------------------------------------------


@pytest.fixture
def administrators(db, settings) -> tuple[User, User]:
    admin = UserFactory(first_name="Ada", last_name="Admin", roles=[Role.ADMINISTRATOR])
    # Someone named in settings.ADMINS who holds no role in Flagpost.
    operator = UserFactory(
        first_name="Oli", last_name="Operator", email="oli.operator@trust.example.nhs.uk"
    )
    settings.ADMINS = [("Operations", "Oli.Operator@trust.example.nhs.uk")]
    return admin, operator


def _alerts() -> list[Notification]:
    return list(
        Notification.objects.filter(kind=NotificationKind.AUDIT_CHAIN_BROKEN).order_by("pk")
    )


def test_the_nightly_check_of_an_intact_trail_alerts_nobody(
    administrators, outsider, django_capture_on_commit_callbacks
) -> None:
    _trail(3, actor=outsider)
    with django_capture_on_commit_callbacks(execute=True):
        assert audit_verify_nightly.delay().get() == "intact"
    check = AuditCheck.objects.get()
    assert check.ok and check.rows_verified == AuditEvent.objects.count() and not check.alerted
    assert _alerts() == [] and mail.outbox == []


def test_a_break_is_announced_to_the_administrators_once(
    administrators, outsider, hr_lead, django_capture_on_commit_callbacks
) -> None:
    admin, operator = administrators
    rows = _trail(6, actor=outsider)
    with _guard_off():
        _sql("UPDATE audit_auditevent SET detail = %s WHERE seq = %s", '{"n": 99}', rows[4].seq)

    with django_capture_on_commit_callbacks(execute=True):
        assert audit_verify_nightly.delay().get() == "broken"
    alerts = _alerts()
    assert {alert.recipient for alert in alerts} == {admin, operator}  # not the HR lead
    assert all(alert.urgent for alert in alerts)
    assert f"row {rows[4].seq}" in alerts[0].subject
    assert f"Audit row {rows[4].seq} (written {_written(rows[4])}" in alerts[0].body_text
    assert sorted(message.to[0] for message in mail.outbox) == sorted([admin.email, operator.email])

    # The next night finds the same break: it is recorded, not announced again.
    with django_capture_on_commit_callbacks(execute=True):
        assert audit_verify_nightly.delay().get() == "broken"
    assert len(_alerts()) == 2 and len(mail.outbox) == 2
    latest = AuditCheck.objects.first()
    assert not latest.ok and latest.first_bad_seq == rows[4].seq and not latest.alerted

    # An earlier, different break is news.
    with _guard_off():
        _sql("UPDATE audit_auditevent SET ip_address = %s WHERE seq = %s", "192.0.2.1", rows[1].seq)
    with django_capture_on_commit_callbacks(execute=True):
        audit_verify_nightly.delay()
    assert len(_alerts()) == 4
    assert f"row {rows[1].seq}" in _alerts()[-1].subject


def test_the_nightly_check_is_on_the_beat_schedule() -> None:
    from config.celery import app

    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "audit.tasks.audit_verify_nightly"
    ]
    assert len(entries) == 1
    assert entries[0]["schedule"].hour == {2}  # at night, once a day
    assert "audit.tasks.audit_verify_nightly" in app.tasks
