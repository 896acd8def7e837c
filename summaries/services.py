"""Asking for a case summary, and producing it.

Asking writes a row (queued) and queues the task after commit. The task
claims the row with a conditional UPDATE, renders, and stores the file under
a name fixed by the row, so a retried or duplicated task neither renders
twice nor leaves a second file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from casework.access import summary_variants
from casework.models import Case, CaseEvent, EventKind
from directory.models import User
from summaries.models import CaseSummary, SummaryStatus, SummaryVariant

log = logging.getLogger(__name__)
# A render claimed longer ago than this belongs to a worker that died.
RENDER_LEASE = dt.timedelta(minutes=10)


class SummaryNotAllowed(Exception):
    pass


def summary_request(*, case: Case, variant: str, by: User, archived: bool = False) -> CaseSummary:
    """Ask for a summary of the case as it is now. Asking again for the same version returns the same one."""
    if variant not in SummaryVariant.values:
        raise SummaryNotAllowed("There is no such summary.")
    if not archived and variant not in summary_variants(by, case):
        raise SummaryNotAllowed("Your role doesn't allow this summary.")
    from summaries.tasks import summary_render_task

    lookup = {"case": case, "variant": variant, "case_revision": case.revision, "requested_by": by}
    try:
        with transaction.atomic():
            summary, created = CaseSummary.objects.get_or_create(**lookup, defaults={"archived": archived})
    except IntegrityError:
        summary, created = CaseSummary.objects.get(**lookup), False
    if created or summary.status == SummaryStatus.FAILED:
        if summary.status == SummaryStatus.FAILED:
            CaseSummary.objects.filter(pk=summary.pk).update(status=SummaryStatus.QUEUED, error="")
            summary.status = SummaryStatus.QUEUED
        summary_id = summary.pk
        transaction.on_commit(lambda: summary_render_task.delay(summary_id), robust=True)
    return summary


def summary_archive_on_close(*, case: Case, by: User) -> CaseSummary:
    """The full summary kept with a case when it closes."""
    return summary_request(case=case, variant=SummaryVariant.FULL, by=by, archived=True)


def summary_produce(*, summary_id: int, now: dt.datetime | None = None) -> str:
    """Render and store one summary, at most once."""
    from summaries.fingerprint import summary_fingerprint
    from summaries.render import summary_render
    from summaries.selectors import summary_data_for

    now = now or timezone.now()
    claimed = CaseSummary.objects.filter(
        Q(status=SummaryStatus.QUEUED) | Q(status=SummaryStatus.RENDERING, started_at__lt=now - RENDER_LEASE),
        pk=summary_id,
    ).update(status=SummaryStatus.RENDERING, started_at=now)
    if not claimed:
        return "not claimed"
    summary = CaseSummary.objects.select_related("case", "requested_by").get(pk=summary_id)
    try:
        data = summary_data_for(case=summary.case, variant=summary.variant, viewer=summary.requested_by, now=now)
        if summary.archived:
            data = dataclasses.replace(data, generated_for="the case record, on closing")
        pdf = summary_render(data)
    except Exception as error:  # a bad case must not poison the queue; the user sees it failed
        log.exception("summary %s could not be rendered", summary_id)
        CaseSummary.objects.filter(pk=summary_id).update(status=SummaryStatus.FAILED, error=str(error)[:2000])
        return "failed"
    name = summary.file.field.generate_filename(summary, "summary.pdf")
    storage = summary.file.storage
    if storage.exists(name):
        storage.delete(name)  # a half-written file from a worker that died; the name is this row's alone
    stored = storage.save(name, ContentFile(pdf))
    CaseSummary.objects.filter(pk=summary_id, status=SummaryStatus.RENDERING).update(
        status=SummaryStatus.READY,
        file=stored,
        sha256=hashlib.sha256(pdf).hexdigest(),
        fingerprint=summary_fingerprint(data),
        size=len(pdf),
        completed_at=timezone.now(),
    )
    return "ready"


def summary_downloaded(*, summary: CaseSummary, by: User) -> None:
    """Every download is on the case's record."""
    CaseEvent.objects.create(
        case=summary.case,
        kind=EventKind.SUMMARY_DOWNLOADED,
        action="download_summary",
        actor=by,
        to_state=summary.case.state,
        note=f"{summary.get_variant_display()} (case revision {summary.case_revision}, "
        f"SHA-256 {summary.sha256[:16]}…) downloaded.",
    )


def summary_verify(*, fingerprint: str) -> CaseSummary | None:
    """The stored summary whose content fingerprint, or file SHA-256, this is."""
    value = fingerprint.strip().lower()
    if len(value) != 64 or any(ch not in "0123456789abcdef" for ch in value):
        return None
    return (
        CaseSummary.objects.filter(Q(fingerprint=value) | Q(sha256=value), status=SummaryStatus.READY)
        .select_related("case", "requested_by")
        .first()
    )
