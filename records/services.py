"""Legal holds and the retention run.

Each anonymisation is one transaction per case: the case row is locked, the
schedule and the holds are checked again under the lock (a hold placed or a
case reopened since the run chose it wins), personal details are removed,
the audit row is written, and only once that has committed are the files
deleted from storage, so a rollback never loses a file a row still names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from dataclasses import dataclass, field
from typing import cast

from django.contrib.auth.hashers import make_password
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify

from audit.models import AuditKind
from audit.services import audit_record
from casework.access import may_place_legal_hold
from casework.models import Case, CaseEvent, Finding
from directory.models import User
from incidents.models import EvidenceFile, EvidenceLink, Report
from notifications.models import Notification
from records.models import LegalHold, RetentionRun, RunTrigger, SubjectAccessExport
from records.sar import sar_archive, sar_collect
from records.selectors import PLACEHOLDER_EMAIL, cases_due_for_removal
from summaries.models import CaseSummary

log = logging.getLogger(__name__)

HOLD_REASON_MIN = 10
_ERROR_LIMIT = 300
REMOVED_NOTICE = (
    "The details of this notification were removed under the retention schedule on {day}."
)


class HoldRefused(Exception):
    """A legal hold can't be placed or lifted; the message says why, for the person who tried."""


class CaseNotFound(Exception):
    """The case doesn't exist or the user may not act on it: answered as 404."""


# --- The placeholder person ------------------------------------------------------


def retention_placeholder() -> User:
    """The one inactive account that stands in for every person removed from a case.

    Pointing removed people at one placeholder, rather than leaving the
    columns empty, keeps every page and PDF that names "who" working: they
    show "Removed under retention" instead of breaking. It can't sign in.
    """
    person, _ = User.objects.get_or_create(
        email=PLACEHOLDER_EMAIL,
        defaults={
            "first_name": "Removed under",
            "last_name": "retention",
            "is_active": False,
            "password": make_password(None),
        },
    )
    return person


# --- Legal holds -----------------------------------------------------------------


def _reason(text: str, what: str) -> str:
    text = text.strip()
    if len(text) < HOLD_REASON_MIN:
        raise HoldRefused(f"Give the reason for {what} in at least {HOLD_REASON_MIN} characters.")
    return text


def _locked_case(case: Case, by: User) -> Case:
    locked = Case.objects.select_for_update().filter(pk=case.pk).first()
    if locked is None or not may_place_legal_hold(by, locked):
        raise CaseNotFound()
    return locked


def legal_hold_place(
    *, case: Case, by: User, reason: str, request: HttpRequest | None = None
) -> LegalHold:
    """Put a case on legal hold: the retention run leaves it alone, however old, until the hold is lifted."""
    reason = _reason(reason, "the hold")
    with transaction.atomic():
        locked = _locked_case(case, by)
        if locked.anonymised_at is not None:
            raise HoldRefused(
                f"Personal details were removed from this case on {timezone.localdate(locked.anonymised_at):%-d %B %Y}"
                " under the retention schedule, so there is nothing left to hold."
            )
        if LegalHold.objects.filter(case=locked, lifted_at__isnull=True).exists():
            raise HoldRefused("This case is already on legal hold.")
        hold = LegalHold.objects.create(case=locked, placed_by=by, reason=reason)
        audit_record(
            kind=AuditKind.LEGAL_HOLD_PLACED,
            actor=by,
            case=locked,
            detail={"hold": hold.pk, "reason": reason},
            request=request,
        )
    return hold


def legal_hold_lift(
    *, case: Case, by: User, reason: str, request: HttpRequest | None = None
) -> LegalHold:
    """End the hold in force; the case then follows the retention schedule again."""
    reason = _reason(reason, "lifting the hold")
    with transaction.atomic():
        locked = _locked_case(case, by)
        hold = (
            LegalHold.objects.select_for_update()
            .filter(case=locked, lifted_at__isnull=True)
            .first()
        )
        if hold is None:
            raise HoldRefused("This case is not on legal hold.")
        hold.lifted_by, hold.lifted_at, hold.lift_reason = by, timezone.now(), reason
        hold.save(update_fields=["lifted_by", "lifted_at", "lift_reason"])
        audit_record(
            kind=AuditKind.LEGAL_HOLD_LIFTED,
            actor=by,
            case=locked,
            detail={"hold": hold.pk, "reason": reason},
            request=request,
        )
    return hold


# --- Anonymisation ---------------------------------------------------------------


@dataclass
class RetentionResult:
    due: list[Case]
    run: RetentionRun | None = None
    anonymised: list[str] = field(default_factory=list)
    files_removed: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)


def _subject_key_for(case: Case) -> uuid.UUID | None:
    """The key the poster's cases share from now on: theirs already if any case has one, else a new one."""
    if case.poster_id is None:
        return case.subject_key
    existing = case.subject_key or (
        Case.objects.filter(poster_id=case.poster_id, subject_key__isnull=False)
        .values_list("subject_key", flat=True)
        .first()
    )
    key = existing or uuid.uuid4()
    # Every case of theirs, open ones too, so the person is still counted once as a repeat subject.
    Case.objects.filter(poster_id=case.poster_id, subject_key__isnull=True).update(subject_key=key)
    return key


def _stand_in(person_id: int | None, placeholder: User) -> User | None:
    return placeholder if person_id is not None else None


def _remove_personal_details(
    case: Case, *, placeholder: User, now: dt.datetime
) -> list[tuple[Storage, str]]:
    """Clear what identifies people on one locked case; return the stored files to delete after commit.

    Kept: everything the governance figures count (dates, state, closure,
    outcome, flags, directorate, principles, report dates and platforms,
    deadlines), so the committee's past figures don't change.
    """
    case.subject_key = _subject_key_for(case)
    case.poster = None
    case.poster_handle = ""
    for text in (
        "triage_summary",
        "informal_action",
        "terms_of_reference",
        "evidence_summary",
        "interview_records",
        "recommendation",
        "outcome_rationale",
    ):
        setattr(case, text, "")
    for role in ("triaged_by", "line_manager", "investigator", "decision_maker"):
        setattr(case, role, _stand_in(getattr(case, f"{role}_id"), placeholder))
    case.anonymised_at = now
    case.revision += 1
    case.save(
        update_fields=[
            "subject_key",
            "poster",
            "poster_handle",
            "triage_summary",
            "informal_action",
            "terms_of_reference",
            "evidence_summary",
            "interview_records",
            "recommendation",
            "outcome_rationale",
            "triaged_by",
            "line_manager",
            "investigator",
            "decision_maker",
            "anonymised_at",
            "revision",
            "updated_at",
        ]
    )

    Finding.objects.filter(case=case).update(note="")
    # The timeline keeps what happened and when; who did it and what they wrote go.
    events = CaseEvent.objects.filter(case=case)
    events.exclude(actor=None).update(actor=placeholder)
    events.update(note="")

    reports = Report.objects.filter(case=case)
    # A file read from a saved row is named by its column, which is text, never None.
    files: list[tuple[Storage, str]] = []
    for evidence in EvidenceFile.objects.filter(report__in=reports):
        files.append((evidence.file.storage, cast(str, evidence.file.name)))
    EvidenceFile.objects.filter(report__in=reports).delete()
    EvidenceLink.objects.filter(report__in=reports).delete()
    # Dates, platforms and principles stay: the figures count reports by them.
    reports.update(
        reporter=placeholder, description="", poster=None, poster_handle="", poster_handle_key=""
    )

    for summary in CaseSummary.objects.filter(case=case).exclude(file=""):
        files.append((summary.file.storage, cast(str, summary.file.name)))
    CaseSummary.objects.filter(case=case).delete()

    # People keep the line in their inbox (its subject names only the case), not what it said.
    notice = REMOVED_NOTICE.format(day=f"{timezone.localdate(now):%-d %B %Y}")
    # Rows still to be rendered at sending are sent with the notice too.
    Notification.objects.filter(case=case).update(
        body_text=notice, body_html=f"<p>{notice}</p>", render_context=None
    )
    return files


def _delete_stored(files: list[tuple[Storage, str]]) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except OSError:
            # The rows are gone already; a file the disk refused to delete is logged for the administrator.
            log.exception("retention: could not delete stored file %s", name)


def case_anonymise(*, case_id: int, now: dt.datetime) -> int | None:
    """Remove one case's personal details if it is still due; the number of stored files removed, or None."""
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        # Checked again under the lock: a hold placed, or a reopening, since the run chose the case wins.
        if case is None or not cases_due_for_removal(now).filter(pk=case_id).exists():
            return None
        files = _remove_personal_details(case, placeholder=retention_placeholder(), now=now)
        audit_record(
            kind=AuditKind.PERSONAL_DATA_REMOVED,
            actor=None,
            case=case,
            detail={"files_removed": len(files), "closure": case.closure, "outcome": case.outcome},
        )
        transaction.on_commit(lambda: _delete_stored(files))
    return len(files)


def retention_apply(
    *, now: dt.datetime | None = None, dry_run: bool = False, run: RetentionRun | None = None
) -> RetentionResult:
    """Remove personal details from every case past its retention period and not on hold.

    A case that fails is recorded with its error and the others still go
    ahead. With ``dry_run`` nothing is written: the result lists what would be done.
    """
    now = now or timezone.now()
    due = list(
        cases_due_for_removal(now).only(
            "pk", "reference", "state", "closure", "outcome", "closed_at"
        )
    )
    result = RetentionResult(due=due)
    if dry_run:
        return result
    if run is None:
        run = RetentionRun.objects.create(trigger=RunTrigger.COMMAND, started_at=now)
    result.run = run
    for case in due:
        try:
            removed = case_anonymise(case_id=case.pk, now=now)
        except Exception as exc:
            log.exception("retention: case %s could not be anonymised", case.reference)
            result.errors.append(
                {"case": case.reference, "error": f"{type(exc).__name__}: {exc}"[:_ERROR_LIMIT]}
            )
            continue
        if removed is not None:
            result.anonymised.append(case.reference)
            result.files_removed += removed
    with transaction.atomic():
        run.finished_at = timezone.now()
        run.cases_due = len(due)
        run.cases_anonymised = len(result.anonymised)
        run.files_removed = result.files_removed
        run.errors = result.errors
        run.save(
            update_fields=[
                "finished_at",
                "cases_due",
                "cases_anonymised",
                "files_removed",
                "errors",
            ]
        )
        audit_record(
            kind=AuditKind.RETENTION_RUN,
            actor=None,
            detail={
                "run": run.pk,
                "cases_due": len(due),
                "cases_anonymised": len(result.anonymised),
                "files_removed": result.files_removed,
                "errors": [error["case"] for error in result.errors],
            },
        )
    return result


def retention_month_claim(*, now: dt.datetime | None = None) -> RetentionRun | None:
    """Claim this calendar month's scheduled run; None if it has been claimed already.

    The task is sent daily; the unique month on scheduled runs makes sure only
    the first of those days (and only one worker) does the work.
    """
    now = now or timezone.now()
    month = timezone.localdate(now).replace(day=1)
    try:
        with transaction.atomic():
            return RetentionRun.objects.create(
                trigger=RunTrigger.SCHEDULE, month=month, started_at=now
            )
    except IntegrityError:
        return None


# --- Subject access requests ---------------------------------------------------------


class SubjectAccessRefused(Exception):
    """The archive can't be made for this person by this user; the message says why."""


def sar_filename(subject: User, *, on: dt.date) -> str:
    # ASCII letters, digits and hyphens only, whatever the person's name holds.
    return f"subject-access-{slugify(subject.get_full_name()) or 'person'}-{on:%Y-%m-%d}.zip"


def subject_access_export(
    *, subject: User, by: User, request: HttpRequest | None = None
) -> tuple[SubjectAccessExport, bytes]:
    """Make the archive of everything about ``subject``, record who made it and when, and return it."""
    if subject.pk == by.pk:
        raise SubjectAccessRefused(
            "A request about your own records must be prepared by another information governance lead, "
            "so that nobody reads the records of a case about themselves."
        )
    collected = sar_collect(subject)
    archive = sar_archive(collected)
    with transaction.atomic():
        export = SubjectAccessExport.objects.create(
            subject=subject,
            requested_by=by,
            sha256=hashlib.sha256(archive).hexdigest(),
            size=len(archive),
            counts=collected.counts,
        )
        audit_record(
            kind=AuditKind.SUBJECT_ACCESS_EXPORT,
            actor=by,
            request=request,
            detail={
                "export": export.pk,
                "subject": subject.pk,
                "sha256": export.sha256,
                **collected.counts,
            },
        )
    return export, archive
