"""Report intake: the writes a reporter makes.

Each public function is one user action with its own transaction: it writes
the report and its evidence, the case timeline and the notification outbox
together, so either all of it is saved or none of it is.
"""

from __future__ import annotations

import datetime as dt
import errno
import logging
import shutil
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from casework.changes import cases_changed
from casework.models import OPEN_STATES, Case, CaseState, EventKind
from casework.services import case_subject_key_follow
from casework.timeline import case_event_record
from deadlines.services import deadlines_for_new_case
from directory.models import User
from directory.services import directorate_of
from incidents.files import CheckedFile
from incidents.links import link_normalise, platform_detect
from incidents.models import (
    EvidenceFile,
    EvidenceLink,
    Platform,
    PosterKind,
    ReferenceCounter,
    Report,
)
from incidents.storage import EvidenceStorage
from kit.clock import moment_text
from kit.downloads import download_name
from notifications.models import NotificationKind
from notifications.services import notification_create
from policies.models import Principle
from policies.services import versions_in_force

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportDraft:
    """What the reporter typed, already validated by the form."""

    submission_token: uuid.UUID
    links: Sequence[str]
    platform: str  # "" means: detect from the first link
    seen_at: dt.datetime
    posted_at: dt.datetime | None
    description: str
    poster_kind: str
    poster: User | None
    poster_handle: str
    principles: Sequence[Principle]
    shows_patient: str
    welfare_risk: str
    confidential: bool
    files: Sequence[CheckedFile] = field(default_factory=tuple)


@dataclass(frozen=True)
class ReportSubmission:
    report: Report
    joined_existing_case: bool
    already_submitted: bool = False


def reference_next(*, on: dt.date) -> str:
    """The next report number for the year. Call inside a transaction: the counter row is locked."""
    from django.conf import settings

    ReferenceCounter.objects.get_or_create(year=on.year)
    counter = ReferenceCounter.objects.select_for_update().get(year=on.year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{settings.FLAGPOST_REFERENCE_PREFIX}-{on.year}-{counter.last:05d}"


def _case_already_reporting(normalised: Sequence[str]) -> Case | None:
    """The open case that already holds one of these links, locked for the join."""
    case_id = (
        EvidenceLink.objects.filter(
            normalised_url__in=normalised, report__case__state__in=OPEN_STATES
        )
        .order_by("-report__case__created_at")
        .values_list("report__case_id", flat=True)
        .first()
    )
    if case_id is None:
        return None
    return Case.objects.select_for_update().get(pk=case_id)


def report_submit(*, reporter: User, draft: ReportDraft) -> ReportSubmission:
    """File a report: a reference at once, joined to the case already holding the same post if any.

    Submitting the same form twice (same token) returns the first report.
    """
    existing = Report.objects.filter(
        submission_token=draft.submission_token, reporter=reporter
    ).first()
    if existing is not None:
        return ReportSubmission(report=existing, joined_existing_case=False, already_submitted=True)
    try:
        return _report_create(reporter=reporter, draft=draft)
    except IntegrityError:
        # Two requests with one token raced; the other one saved the report.
        existing = Report.objects.filter(
            submission_token=draft.submission_token, reporter=reporter
        ).first()
        if existing is None:
            raise
        return ReportSubmission(report=existing, joined_existing_case=False, already_submitted=True)


def _report_create(*, reporter: User, draft: ReportDraft) -> ReportSubmission:
    normalised = [link_normalise(url) for url in draft.links]
    platform = draft.platform or platform_detect(draft.links[0])
    now = timezone.now()
    with (
        _evidence_kept_on_commit_only(
            during="new report",
            facts={"token": str(draft.submission_token), "links": len(draft.links)},
            files=draft.files,
        ) as written,
        transaction.atomic(),
    ):
        _upload_limit_hold(user=reporter, adding=len(draft.files), at=now, with_report=True)
        reference = reference_next(on=timezone.localdate(now))
        case = _case_already_reporting(normalised)
        joined = case is not None
        if case is None:
            # The reporter's answer is a starting point; triage confirms who posted.
            case = Case.objects.create(
                reference=reference,
                poster=draft.poster if draft.poster_kind == PosterKind.COLLEAGUE else None,
                poster_handle=draft.poster_handle if draft.poster_kind == PosterKind.HANDLE else "",
                directorate_id=directorate_of(
                    draft.poster if draft.poster_kind == PosterKind.COLLEAGUE else None
                ),
            )
            case.policy_versions.set(versions_in_force(on=timezone.localdate(draft.seen_at)))
            case_subject_key_follow(case=case)
            deadlines_for_new_case(case=case, at=now)
        report = Report.objects.create(
            reference=reference,
            case=case,
            reporter=reporter,
            submitted_at=now,
            submission_token=draft.submission_token,
            platform=platform,
            seen_at=draft.seen_at,
            posted_at=draft.posted_at,
            description=draft.description,
            poster_kind=draft.poster_kind,
            poster=draft.poster if draft.poster_kind == PosterKind.COLLEAGUE else None,
            poster_handle=draft.poster_handle if draft.poster_kind == PosterKind.HANDLE else "",
            shows_patient=draft.shows_patient,
            welfare_risk=draft.welfare_risk,
            confidential=draft.confidential,
        )
        report.principles.set(draft.principles)
        _evidence_store(
            report=report,
            by=reporter,
            links=draft.links,
            files=draft.files,
            at=now,
            written=written,
        )
        case_event_record(
            case=case,
            kind=EventKind.REPORT_JOINED if joined else EventKind.REPORT_RECEIVED,
            actor=reporter,
            report=report,
            note=f"Report {reference} received"
            + (" about a post already reported in this case." if joined else "."),
        )
        cases_changed([case.pk])
        _notify_report_received(report=report, joined=joined)
    return ReportSubmission(report=report, joined_existing_case=joined)


class EvidenceNotStored(Exception):
    """The evidence store could not take the files (disk full, not writable): nothing was saved."""


@contextmanager
def _evidence_kept_on_commit_only(
    *, during: str, facts: dict[str, object], files: Sequence[CheckedFile]
) -> Iterator[list[str]]:
    """Wrap a service's transaction so that files it stored go if the transaction doesn't commit.

    Files are written inside the transaction (their row needs the name), so a
    later failure (the disk filling at the second file, a lock timeout, a
    failed commit) would leave files no row points to. Each stored name is
    added to the list this yields; on any exception they are deleted again,
    after the rollback. A storage error (``OSError``) is logged for the
    administrators with facts that name no one, and raised as
    ``EvidenceNotStored`` for the page to say the report was not sent.
    ``ATOMIC_REQUESTS`` is off and the services own their transactions, so
    leaving this block without an exception means the rows are committed.
    """
    written: list[str] = []
    try:
        yield written
    except BaseException as error:
        storage = EvidenceStorage()
        for name in written:
            with suppress(OSError):
                storage.delete(name)
        if not isinstance(error, OSError):
            raise
        try:
            free: object = shutil.disk_usage(storage.location).free
        except OSError:
            free = "unknown"
        log.error(
            "evidence store failed during %s: %s (%s) at %s; free bytes %s; "
            "files %d, bytes %d, types %s; %s; nothing saved, %d stored file(s) removed",
            during,
            errno.errorcode.get(error.errno or 0, "no errno"),
            error.strerror,
            storage.location,
            free,
            len(files),
            sum(checked.size for checked in files),
            ",".join(sorted({checked.content_type for checked in files})) or "none",
            ", ".join(f"{key} {value}" for key, value in facts.items()),
            len(written),
        )
        raise EvidenceNotStored(str(error)) from error


def _evidence_store(
    *,
    report: Report,
    by: User,
    links: Sequence[str],
    files: Sequence[CheckedFile],
    at: dt.datetime,
    written: list[str],
) -> None:
    EvidenceLink.objects.bulk_create(
        EvidenceLink(
            report=report,
            url=url,
            normalised_url=link_normalise(url),
            platform=platform_detect(url)
            if platform_detect(url) != Platform.OTHER
            else report.platform,
            added_by=by,
            added_at=at,
        )
        for url in links
    )
    for checked in files:
        evidence = EvidenceFile(
            report=report,
            # Shown on pages and summaries: no folders, line breaks or control characters.
            original_name=download_name(checked.upload.name or "", default="file")[:255],
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            added_by=by,
            added_at=at,
        )
        # What is stored is the checked content (a picture saved afresh), whose hash is the one recorded.
        evidence.file.save("upload", checked.content, save=False)
        written.append(evidence.file.name or "")
        evidence.save()


def _notify_report_received(*, report: Report, joined: bool) -> None:
    reporter = report.reporter
    notification_create(
        recipient=reporter,
        kind=NotificationKind.REPORT_RECEIPT,
        context={
            "report": report,
            "joined_existing": joined,
            "link_count": report.links.count(),
            "file_count": report.files.count(),
        },
        link=reverse("incidents:report_detail", args=[report.reference]),
    )
    manager = reporter.line_manager
    if manager is None or not manager.is_active or manager.pk == reporter.pk:
        return
    # Policy §7 asks that the reporter's manager is aware — but never at the
    # cost of the report: not when the manager is the person reported, nor,
    # for a confidential report, when they manage the person reported.
    poster = report.poster
    if poster is not None and (
        manager.pk == poster.pk or (report.confidential and manager.pk == poster.line_manager_id)
    ):
        return
    notification_create(
        recipient=manager,
        kind=NotificationKind.TEAM_MEMBER_REPORTED,
        context={"reporter": reporter, "submitted_at": report.submitted_at},
    )


def report_add_evidence(
    *, report: Report, by: User, links: Sequence[str], files: Sequence[CheckedFile]
) -> Report:
    """Add links and files to an open report. Evidence is only ever added, never changed."""
    now = timezone.now()
    with (
        _evidence_kept_on_commit_only(
            during="evidence added",
            facts={"report": report.reference, "links": len(links)},
            files=files,
        ) as written,
        transaction.atomic(),
    ):
        case = Case.objects.select_for_update().get(pk=report.case_id)
        if case.state == CaseState.CLOSED:
            raise ReportClosed("This report's case is closed, so no more evidence can be added.")
        _upload_limit_hold(user=by, adding=len(files), at=now)
        _evidence_store(report=report, by=by, links=links, files=files, at=now, written=written)
        parts = []
        if links:
            parts.append(f"{len(links)} link{'s' if len(links) != 1 else ''}")
        if files:
            parts.append(f"{len(files)} file{'s' if len(files) != 1 else ''}")
        case_event_record(
            case=case,
            kind=EventKind.EVIDENCE_ADDED,
            actor=by,
            report=report,
            to_state="",
            note=f"{' and '.join(parts)} added to report {report.reference}.",
        )
    return report


class ReportClosed(Exception):
    pass


# --------------------------------------------------------------------------- upload limit

UPLOAD_WINDOW = dt.timedelta(hours=1)


class UploadLimitReached(ValidationError):
    """More files in the last hour than EVIDENCE_UPLOADS_PER_HOUR allows; the message says when to come back."""


def upload_limit_check(
    *, user: User, adding: int, at: dt.datetime | None = None, with_report: bool = False
) -> None:
    """Raise UploadLimitReached if ``adding`` more files would take ``user`` over the hourly limit.

    Counted from the evidence files kept, so the limit holds across restarts and
    across every web process. ``with_report`` words the message for the new
    report form, whose other answers can be sent without the files.
    """
    if adding <= 0:
        return
    limit = settings.EVIDENCE_UPLOADS_PER_HOUR
    now = at or timezone.now()
    recent = list(
        EvidenceFile.objects.filter(added_by=user, added_at__gt=now - UPLOAD_WINDOW)
        .order_by("added_at")
        .values_list("added_at", flat=True)
    )
    if len(recent) + adding <= limit:
        return
    later = (
        " You can send the report without them now and add them to it later." if with_report else ""
    )
    if adding > limit:
        raise UploadLimitReached(
            "You can upload at most %(limit)s files an hour; you chose %(adding)s." + later,
            params={"limit": limit, "adding": adding},
            code="upload_limit",
        )
    # The moment enough of the last hour's uploads have aged out to make room,
    # rounded up to the minute so "from 14:35" is never a minute early.
    frees_at = recent[len(recent) + adding - limit - 1] + UPLOAD_WINDOW
    frees_at = (frees_at + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)
    params = {
        "count": len(recent),
        "limit": limit,
        "left": limit - len(recent),
        "adding": adding,
        "time": moment_text(frees_at, "H:i"),
    }
    if len(recent) < limit:
        message = (
            "You have uploaded %(count)s files in the last hour and the limit is %(limit)s an hour, "
            "so you can add %(left)s more now, or all %(adding)s from %(time)s."
        )
    else:
        message = (
            "You have uploaded %(count)s files in the last hour and the limit is %(limit)s an hour. "
            "You can upload again from %(time)s."
        )
    raise UploadLimitReached(message + later, params=params, code="upload_limit")


def _upload_limit_hold(
    *, user: User, adding: int, at: dt.datetime, with_report: bool = False
) -> None:
    """The limit again inside the saving transaction, with the uploader's row locked.

    The form has already checked, but two uploads sent at the same moment would
    both pass that check; the lock makes the second wait for the first and count it.
    """
    if adding <= 0:
        return
    User.objects.select_for_update().filter(pk=user.pk).first()
    upload_limit_check(user=user, adding=adding, at=at, with_report=with_report)
