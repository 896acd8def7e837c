"""Writing the audit trail and checking its chain.

``audit_record`` is the only writer. On PostgreSQL it takes no chain-wide
lock: the row gets its number from a sequence and is written without hashes,
and ``audit_seal`` (the beat, every few seconds, one sealer at a time) chains
the committed rows in number order and signs a checkpoint. On SQLite the
database file has one writer at a time anyway, so the writer seals the row at
once under the chain head, as it always did.

The sealing rule on PostgreSQL (why no committed row is ever left behind):
a writer takes its number, then a transaction-level advisory lock on that
number (``_ROW_LOCKS``), then inserts; the lock is held until it commits or
rolls back. The sealer seals rows in order; at a number with no visible row
(a gap) it tries that number's lock. Held: the writer is still at work, so the
sealer stops there and comes back next time. Free: the sealer now holds it
until its own commit, and reads the rows again, so a row committed meanwhile
is seen; a writer that took the number but hadn't locked it yet waits for the
sealer, and its insert is then refused by the ``audit_event_above_head``
trigger (its transaction fails, as any failed audit write does) rather than
landing behind the sealed head. That refusal needs a writer to stall between
two statements while the sealer passes its number, and the sealer passes a gap
only once the row after it is ``_GAP_GRACE`` (2 s) old, so it is all but
never seen; a gap delays sealing by those 2 s at most. A gap from a
rolled-back write is passed for good; the next row's ``prev_hash`` bridges it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from audit.chain import row_content, row_hash
from audit.checkpoints import (
    Checkpoint,
    CheckpointUnreadable,
    checkpoint_latest,
    checkpoint_publish,
    checkpoint_signed,
    public_key_hex,
)
from audit.models import (
    GENESIS_HASH,
    AuditChainHead,
    AuditCheck,
    AuditEvent,
    AuditKind,
    ChainProblem,
)
from directory.models import Role, User

if TYPE_CHECKING:
    from casework.models import Case

log = logging.getLogger(__name__)

# Detail is for short structured facts; anything longer is cut, never stored whole.
_TEXT_LIMIT = 500
_LIST_LIMIT = 20
_VERIFY_CHUNK = 2000
_SEAL_BATCH = 5000
# Advisory lock keys (PostgreSQL): the sealer's own (one 64-bit key) and, in the two-key space,
# which never overlaps it, one per row number that a writer holds until it commits.
_SEALER_LOCK = 0x466C6167_41756474  # "FlagAudt"
_ROW_LOCKS = 0x41554454  # "AUDT"
_ROW_KEYS = 2**31 - 1
_SEQUENCE = "audit_auditevent_seq_seq"
# A gap is passed only once the row after it is this old, so a writer between taking its number
# and locking it (two statements) is all but never refused by the trigger (see the module notes).
_GAP_GRACE = dt.timedelta(seconds=2)
# Lines that record someone looking at a page, not doing anything (see ``audit_record``).
GLANCES = frozenset({AuditKind.CASE_VIEWED, AuditKind.AUDIT_VIEWED})


def username_fingerprint(username: str) -> str:
    """What the trail keeps of a username someone tried: its SHA-256, never the text.

    A password typed into the username box by mistake must not land in the log
    in clear; the fingerprint still lets the IG lead find the attempts on an
    account by its email address.
    """
    return hashlib.sha256(username.strip().lower().encode("utf-8")).hexdigest()


def _clean(value: object) -> object:
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, str):
        # PostgreSQL's jsonb can't hold NUL, and nothing useful ever contains one.
        return value.replace("\x00", "")[:_TEXT_LIMIT]
    if isinstance(value, Mapping):
        return {str(key)[:50]: _clean(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(item) for item in value[:_LIST_LIMIT]]
    # Floats, dates and the like as text, so the stored JSON reads back exactly as hashed.
    return str(value)[:_TEXT_LIMIT]


def client_ip(request: HttpRequest | None) -> str:
    """The address the request came from, worked out as the sign-in lockout does (behind trusted proxies)."""
    from directory.sessions import client_ip_address

    if request is None:
        return ""
    raw = client_ip_address(request) or ""
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return ""


def _head_locked() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    # First write ever (or after the whole database was emptied): start from the last sealed row.
    last = (
        AuditEvent.objects.filter(hash__isnull=False)
        .order_by("-seq")
        .values_list("seq", "hash")
        .first()
    )
    seq, last_hash = last if last is not None else (0, GENESIS_HASH)
    try:
        with transaction.atomic():
            AuditChainHead.objects.create(pk=1, seq=seq, hash=last_hash or GENESIS_HASH)
    except IntegrityError:
        pass  # another writer created it first; its row is the one we lock now
    return AuditChainHead.objects.select_for_update().get(pk=1)


def audit_record(
    *,
    kind: AuditKind,
    actor: User | None,
    case: Case | None = None,
    detail: Mapping[str, object] | None = None,
    request: HttpRequest | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one row to the trail, in the caller's transaction if there is one.

    The client's address is read from ``request``, or given as ``ip_address`` by a task working
    for a request that has ended.

    A page view (``GLANCES``) written in its own transaction on PostgreSQL is committed without
    waiting for the disk: the database still writes it in order, and a crash of the database
    server within a fraction of a second (``wal_writer_delay`` × 3) could lose only such lines,
    never an action or its audit row. A page view then costs no flush of its own (15 ms here).
    """
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    cleaned = _clean(dict(detail or {}))
    ip = client_ip(request) if ip_address is None else ip_address
    glance = kind in GLANCES and not connection.in_atomic_block
    # No savepoint: if the row can't be written, the caller's whole transaction must fail with it,
    # so nothing is ever done without its audit row.
    with transaction.atomic(savepoint=False):
        row = AuditEvent(
            at=timezone.now(),
            kind=kind,
            actor_id=actor_id,
            case=case,
            case_reference=case.reference if case is not None else "",
            detail=cleaned,
            ip_address=ip,
        )
        if connection.vendor == "postgresql":
            _append_unsealed(row, glance=glance)
        else:
            _append_sealed(row)
    return row


def _append_unsealed(row: AuditEvent, *, glance: bool = False) -> None:
    """Take a number and its lock, and insert the row for the sealer: no chain-wide lock.

    ``glance``: the transaction is the row's own, and its commit needn't wait for the disk.
    """
    with connection.cursor() as cursor:
        if glance:
            cursor.execute(
                f"SELECT nextval('{_SEQUENCE}'), set_config('synchronous_commit', 'off', true)"
            )
            row.seq = cursor.fetchone()[0]
        else:
            cursor.execute(f"SELECT nextval('{_SEQUENCE}')")
            (row.seq,) = cursor.fetchone()
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s::int4)", [_ROW_LOCKS, row.seq % _ROW_KEYS]
        )
        row.at = timezone.now()  # the moment of the number, so the trail reads in order
    row.save(force_insert=True)


def _append_sealed(row: AuditEvent) -> None:
    """SQLite: the whole file is locked by the writer's transaction already; chain the row now."""
    head = _head_locked()
    row.seq, row.prev_hash = head.seq + 1, head.hash
    row.hash = row_hash(head.hash, _content_of(row))
    row.save(force_insert=True)
    AuditChainHead.objects.filter(pk=head.pk).update(seq=row.seq, hash=row.hash)


def _content_of(row: AuditEvent) -> dict[str, object]:
    return row_content(
        seq=row.seq,
        at=row.at,
        kind=row.kind,
        actor_id=row.actor_id,
        case_id=row.case_id,
        case_reference=row.case_reference,
        detail=row.detail,
        ip_address=row.ip_address,
    )


# --- Sealing -----------------------------------------------------------------------


@dataclass(frozen=True)
class SealResult:
    claimed: bool  # False: another sealer was at work, this one did nothing
    sealed: int
    head_seq: int
    checkpoint: Checkpoint | None = None


_ROW_FIELDS = (
    "seq",
    "at",
    "kind",
    "actor_id",
    "case_id",
    "case_reference",
    "detail",
    "ip_address",
    "prev_hash",
    "hash",
)


def _gaps_free(numbers: list[int]) -> bool:
    """Take the writers' locks of these numbers, until this transaction ends; False at the first held."""
    with connection.cursor() as cursor:
        for number in numbers:
            cursor.execute(
                "SELECT pg_try_advisory_xact_lock(%s, %s::int4)", [_ROW_LOCKS, number % _ROW_KEYS]
            )
            if not cursor.fetchone()[0]:
                return False
    return True


def _seal_pending(batch: int) -> tuple[int, AuditChainHead]:
    """Chain committed unsealed rows in number order, up to the first number still being written."""
    with transaction.atomic():
        head = _head_locked()
        first = list(
            AuditEvent.objects.filter(seq__gt=head.seq)
            .order_by("seq")
            .values_list("seq", "at", "hash", "prev_hash")[:batch]
        )
        upto, expected = head.seq, head.seq + 1
        settled = timezone.now() - _GAP_GRACE
        for seq, at, stored, carried in first:
            if seq != expected and (at > settled or not _gaps_free(list(range(expected, seq)))):
                break
            if stored is not None or carried is not None:
                break  # not written by audit_record: left for the check to name
            upto, expected = seq, seq + 1
        if upto == head.seq:
            return 0, head
        # Read again: a row committed after the first read, in a gap whose lock is now ours, is
        # seen by this statement (each statement reads what is committed when it starts).
        rows = (
            AuditEvent.objects.filter(seq__gt=head.seq, seq__lte=upto)
            .order_by("seq")
            .values_list(*_ROW_FIELDS)
        )
        prev_hash, sealed = head.hash, []
        for seq, at, kind, actor_id, case_id, reference, detail, ip, carried, stored in rows:
            if stored is not None or carried is not None:
                break
            content = row_content(
                seq=seq,
                at=at,
                kind=kind,
                actor_id=actor_id,
                case_id=case_id,
                case_reference=reference,
                detail=detail,
                ip_address=ip,
            )
            digest = row_hash(prev_hash, content)
            sealed.append((seq, prev_hash, digest))
            prev_hash = digest
        if not sealed:
            return 0, head
        with connection.cursor() as cursor:
            values = ", ".join(["(%s::bigint, %s, %s)"] * len(sealed))
            cursor.execute(
                "UPDATE audit_auditevent AS e SET prev_hash = v.prev_hash, hash = v.hash "
                f"FROM (VALUES {values}) AS v(seq, prev_hash, hash) WHERE e.seq = v.seq",
                [item for row in sealed for item in row],
            )
        head.seq, head.hash = sealed[-1][0], sealed[-1][2]
        AuditChainHead.objects.filter(pk=head.pk).update(seq=head.seq, hash=head.hash)
    return len(sealed), head


def _publish(head: AuditChainHead) -> Checkpoint | None:
    """Sign the head, if it went on from the last checkpoint; a chain that doesn't is left unsigned."""
    if head.seq == 0:
        return None
    try:
        latest = checkpoint_latest()
    except CheckpointUnreadable:
        log.error("audit checkpoint file unreadable: no checkpoint published")
        return None
    if latest is not None:
        if latest.seq >= head.seq:
            return None
        anchored = AuditEvent.objects.filter(seq=latest.seq).values_list("hash", flat=True).first()
        if anchored != latest.hash or not checkpoint_signed(latest):
            log.error(
                "audit chain does not go on from checkpoint %s: no checkpoint published", latest.seq
            )
            return None
    return checkpoint_publish(seq=head.seq, head_hash=head.hash, at=timezone.now())


def audit_seal(*, batch: int = _SEAL_BATCH) -> SealResult:
    """Seal the rows committed since the last run and publish a signed checkpoint of the head.

    One sealer at a time: on PostgreSQL a session advisory lock, tried and not
    waited for, so a second sealer (two beats, the check beside the beat)
    returns at once and the first one's work is never done twice. It is held
    until the checkpoint is written, so checkpoints are published in order.
    Writers never take this lock. On SQLite rows are sealed as they are
    written and this only publishes the checkpoint.
    """
    if connection.vendor != "postgresql":
        with transaction.atomic():
            head = _head_locked()
        return SealResult(claimed=True, sealed=0, head_seq=head.seq, checkpoint=_publish(head))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_SEALER_LOCK])
        if not cursor.fetchone()[0]:
            return SealResult(claimed=False, sealed=0, head_seq=0)
    try:
        total = 0
        while True:
            sealed, head = _seal_pending(batch)
            total += sealed
            if sealed < batch:
                break
        checkpoint = _publish(head)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_SEALER_LOCK])
    return SealResult(claimed=True, sealed=total, head_seq=head.seq, checkpoint=checkpoint)


# --- Checking the chain -----------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    rows_verified: int
    first_bad_seq: int | None = None
    first_bad_at: dt.datetime | None = None
    problem: str = ""
    message: str = ""


def _when(at: dt.datetime | None) -> str:
    if at is None:
        return ""
    return f" (written {timezone.localtime(at):%-d %b %Y %H:%M:%S %Z})"


def _signed_at(checkpoint: Checkpoint) -> str:
    return f"{timezone.localtime(checkpoint.at):%-d %b %Y %H:%M:%S %Z}"


def _broken(
    problem: ChainProblem, seq: int, at: dt.datetime | None, verified: int, message: str
) -> ChainReport:
    return ChainReport(
        ok=False,
        rows_verified=verified,
        first_bad_seq=seq,
        first_bad_at=at,
        problem=problem,
        message=message,
    )


def audit_verify(*, chunk_size: int = _VERIFY_CHUNK) -> ChainReport:
    """Seal what is committed, walk the chain oldest first, and check it against the latest checkpoint.

    The first row that breaks the chain is named. Then the chain must hold, at
    the latest signed checkpoint's row, the hash that checkpoint published:
    a trail emptied with its chain head ends before it, and a row rewritten
    with every later hash recomputed carries a different hash there.
    """
    audit_seal()
    try:
        checkpoint = checkpoint_latest()
    except CheckpointUnreadable:
        return _broken(
            ChainProblem.CHECKPOINT,
            0,
            None,
            0,
            f"The last line of the audit checkpoint file ({settings.AUDIT_CHECKPOINT_FILE}) is not "
            "a checkpoint: the file was altered.",
        )
    if checkpoint is not None and not checkpoint_signed(checkpoint):
        return _broken(
            ChainProblem.CHECKPOINT,
            checkpoint.seq,
            None,
            0,
            f"The latest audit checkpoint (row {checkpoint.seq}) is not signed with this "
            "installation's audit key: the checkpoint file was altered.",
        )
    head = AuditChainHead.objects.filter(pk=1).values_list("seq", "hash").first()
    end_seq, end_hash = head if head is not None else (0, GENESIS_HASH)

    last_seq, prev_hash, verified = 0, GENESIS_HASH, 0
    anchored: tuple[str | None, dt.datetime] | None = None
    rows = (
        AuditEvent.objects.filter(seq__lte=end_seq)
        .order_by("seq")
        .values_list(*_ROW_FIELDS)
        .iterator(chunk_size=chunk_size)
    )
    for seq, at, kind, actor_id, case_id, reference, detail, ip, carried, stored in rows:
        expected = last_seq + 1
        # A gap the next row bridges is a write that was rolled back; one it doesn't is a deleted row.
        if seq != expected and carried == prev_hash:
            expected = seq
        if seq != expected:
            return _broken(
                ChainProblem.MISSING,
                expected,
                at,
                verified,
                f"Audit row {expected} is missing: the chain goes from row {expected - 1} to row "
                f"{seq}{_when(at)}. Rows were removed.",
            )
        content = row_content(
            seq=seq,
            at=at,
            kind=kind,
            actor_id=actor_id,
            case_id=case_id,
            case_reference=reference,
            detail=detail,
            ip_address=ip,
        )
        if stored is None or carried is None or row_hash(carried, content) != stored:
            return _broken(
                ChainProblem.CHANGED,
                seq,
                at,
                verified,
                f"Audit row {seq}{_when(at)} no longer matches its hash: it was changed after "
                "it was written.",
            )
        if carried != prev_hash:
            return _broken(
                ChainProblem.RELINKED,
                seq,
                at,
                verified,
                f"Audit row {seq}{_when(at)} does not carry the hash of row {last_seq}: one of the "
                "two was rewritten after it was written.",
            )
        if checkpoint is not None and seq == checkpoint.seq:
            anchored = (stored, at)
        prev_hash, last_seq, verified = stored, seq, verified + 1
    if last_seq != end_seq:
        return _broken(
            ChainProblem.TRUNCATED,
            last_seq + 1,
            None,
            verified,
            f"The audit trail ends at row {last_seq}, but it was sealed up to row {end_seq}: rows "
            f"{last_seq + 1} to {end_seq} were removed.",
        )
    if prev_hash != end_hash:
        return _broken(
            ChainProblem.RELINKED,
            end_seq,
            None,
            verified,
            f"Audit row {end_seq}, the last one, is not the row that was written last: it was "
            "rewritten.",
        )
    unchained = (
        AuditEvent.objects.filter(seq__gt=end_seq, hash__isnull=False)
        .order_by("seq")
        .values_list("seq", flat=True)
        .first()
    )
    if unchained is not None:
        return _broken(
            ChainProblem.UNCHAINED,
            unchained,
            None,
            verified,
            f"Audit row {unchained} and later were put into the table without going through "
            "Flagpost's audit writer.",
        )
    if checkpoint is not None:
        if end_seq < checkpoint.seq:
            return _broken(
                ChainProblem.TRUNCATED,
                end_seq + 1,
                None,
                verified,
                f"The audit trail ends at row {end_seq}, but the checkpoint signed on "
                f"{_signed_at(checkpoint)} covers row {checkpoint.seq}: rows {end_seq + 1} to "
                f"{checkpoint.seq} were removed, with the chain's record of its length.",
            )
        if anchored is None or anchored[0] != checkpoint.hash:
            at = anchored[1] if anchored is not None else None
            return _broken(
                ChainProblem.CHECKPOINT,
                checkpoint.seq,
                at,
                verified,
                f"Audit row {checkpoint.seq}{_when(at)} does not carry the hash that the checkpoint "
                f"signed on {_signed_at(checkpoint)} published for it: rows up to {checkpoint.seq} "
                "were rewritten and the hashes after them recomputed.",
            )
    return ChainReport(ok=True, rows_verified=verified)


def _administrators() -> list[User]:
    """Who hears about a broken chain: the administrators, and anyone in settings.ADMINS with an account."""
    addresses = Q(pk__in=[])
    for admin in settings.ADMINS:
        # Django 5.2 takes (name, email) pairs; 6.0 takes plain addresses too.
        email = admin if isinstance(admin, str) else admin[1]
        addresses |= Q(email__iexact=email)
    people = User.objects.filter(
        Q(groups__role__code=Role.ADMINISTRATOR) | addresses, is_active=True
    )
    return list(people.distinct().order_by("pk"))


def audit_check_run(*, by: User | None = None) -> AuditCheck:
    """Check the chain, keep the result, and alert the administrators the first time a break is found.

    Once the chain is broken at a row, every later check finds the same first
    break; the partial unique constraint on alerted checks makes sure that
    break is announced once, even if two checks run at the same moment.
    """
    from notifications.models import NotificationKind
    from notifications.services import notification_create

    report = audit_verify()
    if not report.ok:
        log.error("audit trail check failed: %s", report.message)
    with transaction.atomic():
        check = AuditCheck.objects.create(
            by=by,
            ok=report.ok,
            rows_verified=report.rows_verified,
            first_bad_seq=report.first_bad_seq,
            problem=report.problem,
            message=report.message,
        )
        if report.ok:
            return check
        try:
            with transaction.atomic():
                check.alerted = True
                check.save(update_fields=["alerted"])
        except IntegrityError:
            check.alerted = False  # this break was announced already
            return check
        link = reverse("audit:log")
        for person in _administrators():
            notification_create(
                recipient=person,
                kind=NotificationKind.AUDIT_CHAIN_BROKEN,
                context={"check": check},
                link=link,
                urgent=True,
            )
    return check


def audit_checkpoint_mail() -> int:
    """Send the IG leads the latest signed checkpoint, a copy of the anchor kept off the server.

    With it, a chain rebuilt together with the checkpoint file (by someone
    who holds both the server and the database) is still found out: the
    chain won't hold the emailed hash at the emailed row. Returns the number
    of people written to.
    """
    try:
        checkpoint = checkpoint_latest()
    except CheckpointUnreadable:
        checkpoint = None
    leads = list(
        User.objects.filter(groups__role__code=Role.IG_LEAD, is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
    if checkpoint is None or not leads:
        return 0
    body = (
        "The audit trail's latest signed checkpoint. Keep this email: if the trail is ever "
        "in doubt, the trail must still hold this hash at this row.\n\n"
        f"Row: {checkpoint.seq}\n"
        f"Hash: {checkpoint.hash}\n"
        f"Signed: {_signed_at(checkpoint)}\n"
        f"Signing key (Ed25519, public): {public_key_hex()}\n\n"
        f"The checkpoint as published:\n{checkpoint.line()}\n"
    )
    send_mail(
        f"Audit trail checkpoint: row {checkpoint.seq}",
        body,
        None,
        [lead.email for lead in leads],
    )
    return len(leads)
