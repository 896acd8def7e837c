"""The chain is anchored outside the database: signed checkpoints catch a trail emptied or recomputed
by whoever owns the database, and one sealer chains rows that writers append without a lock.

The drills: the trail and its chain head truncated; a row rewritten and every later hash
recomputed; two sealers at once; writers (some rolling back) while the sealer runs.
"""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from audit.checkpoints import checkpoint_latest, public_key_hex
from audit.models import AuditChainHead, AuditEvent, AuditKind, ChainProblem
from audit.services import _SEALER_LOCK, audit_record, audit_seal, audit_verify
from audit.tasks import audit_verify_nightly
from directory.models import Role, User
from tests.audit.helpers import row_rewritten_and_chain_recomputed, trail_and_head_emptied
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _written(count: int, actor: User | None = None) -> list[int]:
    seqs = [
        audit_record(kind=AuditKind.CASE_VIEWED, actor=actor, detail={"n": n}).seq
        for n in range(count)
    ]
    audit_seal()
    return seqs


def _verify_fails() -> str:
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit", stdout=io.StringIO())
    return str(failure.value)


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_sealing_publishes_a_signed_checkpoint_of_the_head(audit_anchor: Path) -> None:
    seqs = _written(4)
    head = AuditChainHead.objects.get()
    [line] = _lines(audit_anchor)
    assert line["seq"] == head.seq == seqs[-1] and line["hash"] == head.hash
    assert line["key"] == public_key_hex() and len(str(line["signature"])) == 128
    # Nothing new: no new line.
    audit_seal()
    assert len(_lines(audit_anchor)) == 1
    _written(2)
    assert [line["seq"] for line in _lines(audit_anchor)] == [seqs[-1], seqs[-1] + 2]
    assert audit_verify().ok


def test_the_signing_key_is_made_once_and_kept_out_of_the_database(audit_anchor: Path) -> None:
    _written(1)
    key_file = Path(settings.AUDIT_SIGNING_KEY_FILE)
    assert key_file.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert key_file.stat().st_mode & 0o077 == 0
    before = key_file.read_bytes()
    _written(1)
    assert key_file.read_bytes() == before


def test_drill_a_trail_truncated_with_its_chain_head_is_caught_by_the_checkpoint(
    audit_anchor: Path,
) -> None:
    seqs = _written(5)
    assert audit_verify().ok
    trail_and_head_emptied()
    assert not AuditEvent.objects.exists() and not AuditChainHead.objects.exists()

    report = audit_verify()
    assert not report.ok and report.problem == ChainProblem.TRUNCATED
    assert report.first_bad_seq == 1 and report.rows_verified == 0
    message = _verify_fails()
    assert message.startswith("The audit trail ends at row 0, but the checkpoint signed on ")
    assert f"covers row {seqs[-1]}: rows 1 to {seqs[-1]} were removed" in message


def test_drill_a_truncated_trail_that_grows_again_is_still_caught_and_never_signed(
    audit_anchor: Path,
) -> None:
    seqs = _written(3)
    trail_and_head_emptied()
    _written(len(seqs) + 3)  # a new chain, longer than the one signed
    assert len(_lines(audit_anchor)) == 1  # the sealer won't sign a chain that doesn't extend it
    report = audit_verify()
    assert not report.ok and report.problem == ChainProblem.CHECKPOINT
    assert f"Audit row {seqs[-1]} (written " in report.message


def test_drill_a_row_rewritten_with_every_later_hash_recomputed_is_caught(
    audit_anchor: Path,
) -> None:
    seqs = _written(6)
    row_rewritten_and_chain_recomputed(seqs[2], ip_address="203.0.113.7")
    # The chain adds up again on its own: only the checkpoint tells.
    report = audit_verify()
    assert not report.ok and report.problem == ChainProblem.CHECKPOINT
    assert report.rows_verified == 6 and report.first_bad_seq == seqs[-1]
    message = _verify_fails()
    assert f"Audit row {seqs[-1]} (written " in message
    assert "does not carry the hash that the checkpoint signed on " in message
    assert f"rows up to {seqs[-1]} were rewritten and the hashes after them recomputed" in message
    # And rows written afterwards are sealed, but the recomputed chain is never signed.
    _written(2)
    assert len(_lines(audit_anchor)) == 1
    assert audit_verify().problem == ChainProblem.CHECKPOINT


def test_a_checkpoint_line_altered_in_the_file_is_caught(audit_anchor: Path) -> None:
    _written(3)
    [line] = _lines(audit_anchor)
    line["hash"] = "0" * 64
    audit_anchor.write_text(json.dumps(line) + "\n")
    report = audit_verify()
    assert not report.ok and report.problem == ChainProblem.CHECKPOINT
    assert "is not signed with this installation's audit key" in report.message


def test_the_ig_lead_gets_the_latest_checkpoint_each_night(
    audit_anchor: Path, django_capture_on_commit_callbacks
) -> None:
    lead = UserFactory(roles=[Role.IG_LEAD])
    UserFactory(roles=[Role.HR_LEAD])
    _written(2)
    with django_capture_on_commit_callbacks(execute=True):
        assert audit_verify_nightly.delay().get() == "intact"
    [message] = mail.outbox
    checkpoint = checkpoint_latest()
    assert checkpoint is not None
    assert message.to == [lead.email]
    assert message.subject == f"Audit trail checkpoint: row {checkpoint.seq}"
    assert checkpoint.hash in message.body and checkpoint.line() in message.body


def test_the_seal_runs_every_few_seconds_on_the_beat() -> None:
    from config.celery import app

    [entry] = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "audit.tasks.audit_seal_task"
    ]
    assert entry["schedule"] <= 10
    assert "audit.tasks.audit_seal_task" in app.tasks


# --- PostgreSQL: no chain-wide lock, one sealer --------------------------------------

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has one writer at a time and seals each row as it is written",
)


def _other_connection() -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        password=db["PASSWORD"] or None,
        autocommit=True,
    )


def _in_thread(target, *args: object) -> threading.Thread:  # type: ignore[no-untyped-def]
    def run() -> None:
        try:
            target(*args)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _checkpoints_follow_the_chain(path: Path) -> None:
    lines = _lines(path)
    seqs = [int(str(line["seq"])) for line in lines]
    assert seqs == sorted(set(seqs))
    stored = dict(AuditEvent.objects.filter(seq__in=seqs).values_list("seq", "hash"))
    assert all(stored[int(str(line["seq"]))] == line["hash"] for line in lines)


@pytest.mark.postgresql
@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_writer_does_not_wait_for_another_writers_open_transaction() -> None:
    held, release, done = threading.Event(), threading.Event(), threading.Event()

    def slow_writer() -> None:
        with transaction.atomic():
            audit_record(kind=AuditKind.CASE_VIEWED, actor=None, detail={"slow": True})
            held.set()
            release.wait(10)

    def fast_writer() -> None:
        audit_record(kind=AuditKind.CASE_VIEWED, actor=None, detail={"fast": True})
        done.set()

    slow = _in_thread(slow_writer)
    assert held.wait(10)
    fast = _in_thread(fast_writer)
    finished = done.wait(5)  # under a chain-wide lock it would wait for the slow writer's commit
    # The sealer doesn't pass the open transaction's number: nothing is sealed yet.
    assert audit_seal().sealed == 0
    release.set()
    slow.join()
    fast.join()
    assert finished
    assert audit_seal().sealed == 2
    report = audit_verify()
    assert report.ok and report.rows_verified == 2


@pytest.mark.postgresql
@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_drill_two_sealers_at_once_one_seals_no_gap_no_double(audit_anchor: Path) -> None:
    for n in range(30):
        audit_record(kind=AuditKind.CASE_VIEWED, actor=None, detail={"n": n})
    # While another sealer holds the claim, a sealer does nothing and says so.
    with _other_connection() as other:
        other.execute("SELECT pg_advisory_lock(%s)", [_SEALER_LOCK])
        result = audit_seal()
        assert not result.claimed and result.sealed == 0
        assert not AuditEvent.objects.filter(hash__isnull=False).exists()

    start = threading.Barrier(2, timeout=10)
    results = []

    def seal() -> None:
        start.wait()
        results.append(audit_seal())

    threads = [_in_thread(seal) for _ in range(2)]
    for thread in threads:
        thread.join()
    assert max(result.sealed for result in results) == 30
    assert sum(result.sealed for result in results) == 30  # no row sealed twice
    assert not AuditEvent.objects.filter(hash__isnull=True).exists()  # none left out
    report = audit_verify()
    assert report.ok and report.rows_verified == 30
    _checkpoints_follow_the_chain(audit_anchor)


@pytest.mark.postgresql
@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_drill_writers_some_rolling_back_while_the_sealer_runs(audit_anchor: Path) -> None:
    people = [UserFactory() for _ in range(4)]
    start = threading.Barrier(len(people) + 1, timeout=30)
    writing_done, errors, sealed_while_writing = threading.Event(), [], []
    committed: list[int] = []

    def write(person: User) -> None:
        try:
            start.wait()
            for n in range(20):
                try:
                    with transaction.atomic():
                        row = audit_record(
                            kind=AuditKind.CASE_VIEWED, actor=person, detail={"n": n}
                        )
                        if n % 4 == 3:
                            raise RuntimeError("the audited action failed")  # leaves a gap
                    committed.append(row.seq)
                except RuntimeError:
                    pass
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    def sealer() -> None:
        start.wait()
        while not writing_done.is_set():
            sealed_while_writing.append(audit_seal().sealed)

    writers = [_in_thread(write, person) for person in people]
    sealing = _in_thread(sealer)
    for thread in writers:
        thread.join()
    writing_done.set()
    sealing.join()
    assert not errors
    assert sum(sealed_while_writing) > 0  # the sealer worked while the writers wrote
    # The last gaps are passed once the rows after them are settled (a couple of seconds).
    for _ in range(50):
        if audit_seal().head_seq == max(committed):
            break
        threading.Event().wait(0.1)
    assert len(committed) == 60
    assert sorted(AuditEvent.objects.values_list("seq", flat=True)) == sorted(committed)
    assert not AuditEvent.objects.filter(hash__isnull=True).exists()  # lost = 0
    report = audit_verify()
    assert report.ok and report.rows_verified == 60
    _checkpoints_follow_the_chain(audit_anchor)
    assert checkpoint_latest().seq == max(committed)  # type: ignore[union-attr]
