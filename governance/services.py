"""Committee packs: asked for on demand or by the quarterly schedule, made by a worker."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from directory.models import Role, User
from documents.produce import Rendered, document_produce
from governance.figures import Filters, Period
from governance.forms import period_bounds
from governance.models import CommitteePack

RENDER_LEASE = dt.timedelta(minutes=15)


def pack_request(*, filters: Filters, by: User | None, scheduled: bool = False) -> CommitteePack:
    from governance.tasks import committee_pack_task

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
            )
    except IntegrityError:
        # The schedule already made this quarter's pack.
        return CommitteePack.objects.get(start=filters.start, end=filters.end, scheduled=True)
    pack_id = pack.pk
    transaction.on_commit(lambda: committee_pack_task.delay(pack_id), robust=True)
    return pack


def pack_quarterly_due(*, today: dt.date | None = None) -> CommitteePack | None:
    """The pack for the quarter that has just ended, once."""
    today = today or timezone.localdate()
    this_start, _ = period_bounds(Period.QUARTER, today)
    start, end = period_bounds(Period.QUARTER, this_start - dt.timedelta(days=1))
    if CommitteePack.objects.filter(start=start, end=end, scheduled=True).exists():
        return None
    return pack_request(
        filters=Filters(start=start, end=end, period=Period.MONTH), by=None, scheduled=True
    )


def pack_produce(*, pack_id: int, now: dt.datetime | None = None) -> str:
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
        lease=RENDER_LEASE,
        now=now,
        on_ready=_announce,
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
