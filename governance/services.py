"""Committee packs: asked for on demand or by the quarterly schedule, made by a worker."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from directory.models import Role, User
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
from governance.figures import Filters, Period
from governance.forms import period_bounds
from governance.models import CommitteePack, PackStatus


def pack_request(*, filters: Filters, by: User | None, scheduled: bool = False) -> CommitteePack:
    """Ask for a pack; its message goes after commit (the sweeper sends it if that is lost)."""
    try:
        with transaction.atomic():
            pack = CommitteePack.objects.create(
                start=filters.start,
                end=filters.end,
                period=filters.period,
                directorate_id=filters.directorate_id,
                platform=filters.platform or "",
                scheduled=scheduled,
                requested_by=by,
                due_at=timezone.now() + queue_grace(),
            )
    except IntegrityError:
        # The schedule already made this quarter's pack: started again if it failed or is stuck.
        pack = CommitteePack.objects.get(start=filters.start, end=filters.end, scheduled=True)
        return pack_retry(pack=pack)
    _publish_on_commit(pack.pk)
    return pack


def _publish_on_commit(pack_id: int) -> None:
    from governance.tasks import committee_pack_task

    # robust: the broker being down must not fail the request; the sweeper sends it later.
    transaction.on_commit(lambda: committee_pack_task.delay(pack_id), robust=True)


def pack_slow(pack: CommitteePack, *, now: dt.datetime | None = None) -> bool:
    """Taking longer than usual: the page says so and offers to start it again."""
    return document_slow(pack, now=now)


def pack_retry(*, pack: CommitteePack) -> CommitteePack:
    """Start a failed or stuck pack again; a pack that is fine is left as it is."""
    now = timezone.now()
    if document_requeue(
        CommitteePack.objects.all(),
        pk=pack.pk,
        lease=render_lease(),
        now=now,
        due_field="due_at",
        grace=queue_grace(),
    ):
        pack.status, pack.error, pack.started_at = PackStatus.QUEUED, "", None
        pack.due_at = now + queue_grace()
        _publish_on_commit(pack.pk)
    elif pack_slow(pack):
        _publish_on_commit(pack.pk)  # a lost message: sent again; a live render keeps its claim
    return pack


def packs_sweep(*, now: dt.datetime | None = None) -> int:
    """Send again every pack whose message was lost or whose worker died (by the indexed ``due_at``)."""
    from governance.tasks import committee_pack_task

    return documents_sweep(
        CommitteePack.objects.all(),
        publish=committee_pack_task.delay,
        lease=render_lease(),
        grace=queue_grace(),
        due_field="due_at",
        now=now,
    )


def pack_quarterly_due(*, today: dt.date | None = None) -> CommitteePack | None:
    """The pack for the quarter that has just ended, once."""
    today = today or timezone.localdate()
    this_start, _ = period_bounds(Period.QUARTER, today)
    start, end = period_bounds(Period.QUARTER, this_start - dt.timedelta(days=1))
    existing = CommitteePack.objects.filter(start=start, end=end, scheduled=True).first()
    if existing is not None:
        # Made already; one that failed (or is stuck) is tried again each day until it is ready.
        if existing.status == PackStatus.FAILED or pack_slow(existing):
            pack_retry(pack=existing)
        return None
    return pack_request(
        filters=Filters(start=start, end=end, period=Period.MONTH), by=None, scheduled=True
    )


def pack_produce(
    *, pack_id: int, now: dt.datetime | None = None, claim: Claim | None = None
) -> str:
    """Render one pack at most once, store it, and tell the governance group it is ready."""
    from governance.pack import committee_pack_render
    from governance.selectors import governance_figures

    def render(pack: CommitteePack) -> Rendered:
        filters = Filters(
            start=pack.start,
            end=pack.end,
            period=pack.period,
            directorate_id=pack.directorate_id,
            platform=pack.platform or None,
        )
        return Rendered(committee_pack_render(governance_figures(filters)))

    return document_produce(
        CommitteePack.objects.all(),
        pk=pack_id,
        render=render,
        file_name="pack.pdf",
        lease=render_lease(),
        now=now,
        on_ready=_announce,
        claim=claim,
        claim_field="claim",
        due_field="due_at",
    )


def _announce(pack: CommitteePack) -> None:
    from notifications.models import NotificationKind
    from notifications.rules import role_members
    from notifications.services import notification_create

    link = reverse("governance:pack_download", args=[pack.pk])
    for person in role_members(Role.GOVERNANCE):
        notification_create(
            recipient=person,
            kind=NotificationKind.COMMITTEE_PACK_READY,
            context={"pack": pack},
            link=link,
        )
