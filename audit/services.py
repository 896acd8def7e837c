"""Writing the audit trail and checking its chain.

``audit_record`` is the only writer. It locks the chain head inside the
caller's transaction, so rows get their place in the chain in commit order
and two writers can never both extend the same row. The lock is held until
the caller's transaction commits: keep audited transactions short.
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
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from audit.chain import row_content, row_hash
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
    # First write ever (or after the whole database was emptied): start from the last row, if any.
    last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
    try:
        with transaction.atomic():
            AuditChainHead.objects.create(
                pk=1, seq=last["seq"] if last else 0, hash=last["hash"] if last else GENESIS_HASH
            )
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
) -> AuditEvent:
    """Append one row to the trail, in the caller's transaction if there is one."""
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    cleaned = _clean(dict(detail or {}))
    ip = client_ip(request)
    # No savepoint: if the row can't be written, the caller's whole transaction must fail with it,
    # so nothing is ever done without its audit row.
    with transaction.atomic(savepoint=False):
        head = _head_locked()
        row = AuditEvent(
            seq=head.seq + 1,
            at=timezone.now(),
            kind=kind,
            actor_id=actor_id,
            case=case,
            case_reference=case.reference if case is not None else "",
            detail=cleaned,
            ip_address=ip,
            prev_hash=head.hash,
        )
        row.hash = row_hash(row.prev_hash, _content_of(row))
        row.save(force_insert=True)
        AuditChainHead.objects.filter(pk=head.pk).update(seq=row.seq, hash=row.hash)
    return row


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
    """Walk the whole chain, oldest first, and report the first row that breaks it.

    The end of the chain is read under the writers' lock, so rows written
    while the walk runs are neither missed nor taken for tampering.
    """
    with transaction.atomic():
        head = _head_locked()
        end_seq, end_hash = head.seq, head.hash
        top = AuditEvent.objects.aggregate(top=Max("seq"))["top"] or 0

    expected, prev_hash, verified = 1, GENESIS_HASH, 0
    rows = (
        AuditEvent.objects.filter(seq__lte=end_seq)
        .order_by("seq")
        .values_list(
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
        .iterator(chunk_size=chunk_size)
    )
    for seq, at, kind, actor_id, case_id, reference, detail, ip, carried, stored in rows:
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
        if row_hash(carried, content) != stored:
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
                f"Audit row {seq}{_when(at)} does not carry the hash of row {seq - 1}: one of the "
                "two was rewritten after it was written.",
            )
        prev_hash, expected, verified = stored, expected + 1, verified + 1
    if verified != end_seq:
        return _broken(
            ChainProblem.TRUNCATED,
            verified + 1,
            None,
            verified,
            f"The audit trail ends at row {verified}, but {end_seq} rows were written: rows "
            f"{verified + 1} to {end_seq} were removed.",
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
    if top > end_seq:
        return _broken(
            ChainProblem.UNCHAINED,
            end_seq + 1,
            None,
            verified,
            f"Audit row {end_seq + 1} and later were put into the table without going through "
            "Flagpost's audit writer.",
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
