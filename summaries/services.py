"""Asking for a case summary, and producing it.

Asking writes a row (queued) and queues the task after commit. The task
produces it with ``documents.produce.document_produce``: claimed with a
conditional UPDATE, rendered, and stored under a name fixed by the row, so a
retried or duplicated task neither renders twice nor leaves a second file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from casework.access import summary_variants
from casework.models import Case, CaseEvent, EventKind
from directory.models import User
from documents.produce import (
    Claim,
    Rendered,
    document_produce,
    document_requeue,
    document_slow,
    documents_sweep,
    queue_grace,
    render_lease,
)
from summaries.models import CaseSummary, SummaryStatus, SummaryVariant


class SummaryNotAllowed(Exception):
    pass


def summary_request(*, case: Case, variant: str, by: User, archived: bool = False) -> CaseSummary:
    """Ask for a summary of the case as it is now.

    Asking again for the same version returns the same one, started again if it
    failed or is stuck (taking longer than usual: its message lost, its worker
    dead). The message goes after commit; if the broker is down then, the row's
    ``due_at`` brings it to the sweeper a minute later.
    """
    if variant not in SummaryVariant.values:
        raise SummaryNotAllowed("There is no such summary.")
    if not archived and variant not in summary_variants(by, case):
        raise SummaryNotAllowed("Your role doesn't allow this summary.")
    lookup = {"case": case, "variant": variant, "case_revision": case.revision, "requested_by": by}
    now = timezone.now()
    try:
        with transaction.atomic():
            summary, created = CaseSummary.objects.get_or_create(
                **lookup, defaults={"archived": archived, "due_at": now + queue_grace()}
            )
    except IntegrityError:
        summary, created = CaseSummary.objects.get(**lookup), False
    if created or summary_start_again(summary=summary, now=now):
        _publish_on_commit(summary.pk)
    return summary


def summary_slow(summary: CaseSummary, *, now: dt.datetime | None = None) -> bool:
    """Taking longer than usual: the page says so and offers to start it again."""
    return document_slow(summary, now=now)


def summary_start_again(*, summary: CaseSummary, now: dt.datetime | None = None) -> bool:
    """Queue a failed, or slow, summary again (the caller sends its message); False if neither.

    A slow render inside its lease is left to its worker (its message is sent
    again but finds it claimed); past the lease it is queued afresh.
    """
    now = now or timezone.now()
    if document_requeue(
        CaseSummary.objects.all(),
        pk=summary.pk,
        lease=render_lease(),
        now=now,
        due_field="due_at",
        grace=queue_grace(),
    ):
        summary.status, summary.error, summary.started_at = SummaryStatus.QUEUED, "", None
        summary.due_at = now + queue_grace()
        return True
    return summary_slow(summary, now=now)


def summary_retry(*, summary: CaseSummary) -> CaseSummary:
    """The "start again" button of a failed or slow summary."""
    if summary_start_again(summary=summary):
        _publish_on_commit(summary.pk)
    return summary


def _publish_on_commit(summary_id: int) -> None:
    from summaries.tasks import summary_render_task

    # robust: the broker being down must not fail the request; the sweeper sends it later.
    transaction.on_commit(lambda: summary_render_task.delay(summary_id), robust=True)


def summaries_sweep(*, now: dt.datetime | None = None) -> int:
    """Send again every summary whose message was lost or whose worker died."""
    from summaries.tasks import summary_render_task

    return documents_sweep(
        CaseSummary.objects.all(),
        publish=summary_render_task.delay,
        lease=render_lease(),
        grace=queue_grace(),
        due_field="due_at",
        now=now,
    )


def summary_archive_on_close(*, case: Case, by: User) -> CaseSummary:
    """The full summary kept with a case when it closes."""
    return summary_request(case=case, variant=SummaryVariant.FULL, by=by, archived=True)


def summary_produce(
    *, summary_id: int, now: dt.datetime | None = None, claim: Claim | None = None
) -> str:
    """Render and store one summary, at most once."""
    from summaries.fingerprint import summary_fingerprint
    from summaries.render import summary_render
    from summaries.selectors import summary_data_for

    now = now or timezone.now()

    def render(summary: CaseSummary) -> Rendered:
        data = summary_data_for(
            case=summary.case, variant=summary.variant, viewer=summary.requested_by, now=now
        )
        if summary.archived:
            data = dataclasses.replace(data, generated_for="the case record, on closing")
        return Rendered(
            summary_render(data), ready_fields={"fingerprint": summary_fingerprint(data)}
        )

    return document_produce(
        CaseSummary.objects.select_related("case", "requested_by"),
        pk=summary_id,
        render=render,
        file_name="summary.pdf",
        lease=render_lease(),
        now=now,
        claim=claim,
        claim_field="claim",
        due_field="due_at",
    )


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
        CaseSummary.objects.filter(
            Q(fingerprint=value) | Q(sha256=value), status=SummaryStatus.READY
        )
        .select_related("case", "requested_by")
        .first()
    )
