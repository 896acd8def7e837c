"""Writing notifications: a row per recipient in the caller's transaction.

The row is the outbox. Delivery is queued once the transaction commits, and
the sweeper picks up any row whose queueing was lost (broker down, process
killed between commit and enqueue), so nothing written here is ever dropped.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from directory.models import EmailPreference, User
from notifications.models import DeliveryStatus, Notification, NotificationKind
from notifications.rendering import (
    notification_render,
    notification_render_subject,
    render_context_dump,
)

if TYPE_CHECKING:
    from casework.models import Case

# How long the after-commit queueing gets before the sweeper steps in.
SWEEP_GRACE = dt.timedelta(minutes=2)
# Emails per delivery task when notifications are written in bulk: each task sends its batch
# over one connection to the mail server. At a few milliseconds an email a batch takes about a
# second, far inside the task time limits (a mail server failing part way ends it early).
DELIVERY_BATCH = 200


def next_digest_at(now: dt.datetime | None = None) -> dt.datetime:
    """The next morning digest (DIGEST_HOUR local time)."""
    local = timezone.localtime(now or timezone.now())
    moment = local.replace(
        hour=settings.NOTIFICATION_DIGEST_HOUR, minute=0, second=0, microsecond=0
    )
    if moment <= local:
        moment = timezone.localtime(moment + dt.timedelta(days=1)).replace(
            hour=settings.NOTIFICATION_DIGEST_HOUR, minute=0, second=0, microsecond=0
        )
    return moment


def _email_schedule(
    recipient: User, *, urgent: bool, now: dt.datetime
) -> tuple[DeliveryStatus, dt.datetime]:
    """When a notification's email goes: in the next digest for those who asked for one (unless
    it is urgent), otherwise now, with the sweeper's grace for the queueing after commit."""
    if recipient.email_preference == EmailPreference.DAILY_DIGEST and not urgent:
        return DeliveryStatus.IN_DIGEST, next_digest_at(now)
    return DeliveryStatus.PENDING, now + SWEEP_GRACE


def notification_create(
    *,
    recipient: User,
    kind: NotificationKind,
    context: Mapping[str, object],
    link: str = "",
    case: Case | None = None,
    urgent: bool = False,
) -> Notification:
    """Write one notification (inbox row and email) in the caller's transaction."""
    from notifications.tasks import notification_deliver

    rendered = notification_render(
        kind=kind,
        context={**context, "recipient": recipient, "link": link, "site_url": settings.SITE_URL},
    )
    status, due_at = _email_schedule(recipient, urgent=urgent, now=timezone.now())
    notification = Notification.objects.create(
        recipient=recipient,
        kind=kind,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        link=link,
        case=case,
        urgent=urgent,
        email_status=status,
        email_due_at=due_at,
    )
    if status == DeliveryStatus.PENDING:
        notification_id = notification.pk
        # robust: the commit has happened; a broker that is down must not turn it into an
        # error page. The sweeper sends the row once the broker is back.
        transaction.on_commit(lambda: notification_deliver.delay(notification_id), robust=True)
    return notification


@dataclass(frozen=True)
class Notice:
    """One thing to tell several people: a notification each, with one subject.

    ``context`` is what the templates need besides the case, the recipient and the link, in
    values JSON can keep (and moments); the subject must not depend on the recipient.
    """

    kind: NotificationKind
    recipients: Sequence[User]
    context: Mapping[str, object]
    case: Case | None = None
    link: str = ""
    urgent: bool = False


@dataclass(frozen=True)
class _Row:
    recipient_id: int
    kind: str
    subject: str
    render_context: dict[str, object]
    link: str
    case_id: int | None
    urgent: bool
    email_status: str
    email_due_at: dt.datetime


def notices_send(*, notices: Sequence[Notice]) -> int:
    """Write the notifications of many notices in one INSERT, in the caller's transaction.

    The subject is rendered once per notice; the bodies when each email is sent (the row keeps
    ``render_context``). After commit the emails are queued in batches of ``DELIVERY_BATCH``,
    one task each; the sweeper sends any whose queueing was lost, as for ``notification_create``.
    Returns how many notifications were written.
    """
    from notifications.tasks import notifications_deliver

    now = timezone.now()
    rows = []
    for notice in notices:
        if not notice.recipients:
            continue
        subject = notification_render_subject(
            kind=notice.kind,
            context={
                **notice.context,
                "case": notice.case,
                "link": notice.link,
                "site_url": settings.SITE_URL,
            },
        )
        stored = render_context_dump(notice.context)
        for recipient in notice.recipients:
            status, due_at = _email_schedule(recipient, urgent=notice.urgent, now=now)
            rows.append(
                _Row(
                    recipient_id=recipient.pk,
                    kind=notice.kind,
                    subject=subject,
                    render_context=stored,
                    link=notice.link,
                    case_id=notice.case.pk if notice.case is not None else None,
                    urgent=notice.urgent,
                    email_status=status,
                    email_due_at=due_at,
                )
            )
    if not rows:
        return 0
    queued = _rows_insert(rows, now=now)

    def enqueue() -> None:
        # One connection to the broker for all the batches.
        with notifications_deliver.app.producer_or_acquire() as producer:
            for first in range(0, len(queued), DELIVERY_BATCH):
                notifications_deliver.apply_async(
                    (queued[first : first + DELIVERY_BATCH],), producer=producer
                )

    if queued:
        # robust, as in notification_create: the sweeper sends whatever a broker outage left.
        transaction.on_commit(enqueue, robust=True)
    return len(rows)


def _rows_insert(rows: Sequence[_Row], *, now: dt.datetime) -> list[int]:
    """INSERT the rows; the ids of those whose email is to be sent now (not in a digest).

    On PostgreSQL one ``INSERT … SELECT`` from a JSON array of the rows, so no model instance is
    built and no value is prepared one by one (the sweep writes tens of thousands); elsewhere,
    ``bulk_create``.
    """
    if connection.vendor != "postgresql":
        made = Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=row.recipient_id,
                    kind=row.kind,
                    subject=row.subject,
                    body_text="",
                    body_html="",
                    render_context=row.render_context,
                    link=row.link,
                    case_id=row.case_id,
                    urgent=row.urgent,
                    email_status=row.email_status,
                    email_due_at=row.email_due_at,
                )
                for row in rows
            ],
            batch_size=2000,
        )
        return [row.pk for row in made if row.email_status == DeliveryStatus.PENDING]
    # The rows travel as one JSON document: json.dumps (in C) writes it several times faster
    # than the driver adapts a column of values one by one.
    document = json.dumps(
        [
            [
                row.recipient_id,
                row.kind,
                row.subject,
                row.render_context,
                row.link,
                row.case_id,
                row.urgent,
                row.email_status,
                row.email_due_at.isoformat(),
            ]
            for row in rows
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{Notification._meta.db_table}" '
            "(recipient_id, kind, subject, body_text, body_html, render_context, link, case_id, "
            "urgent, created_at, email_status, email_due_at, email_attempts, email_error) "
            "SELECT (r->>0)::bigint, r->>1, r->>2, '', '', r->3, r->>4, (r->>5)::bigint, "
            "(r->>6)::boolean, %s, r->>7, (r->>8)::timestamptz, 0, '' "
            "FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS t(r, n) ORDER BY n "
            "RETURNING id, email_status",
            [now, document],
        )
        return [pk for pk, status in cursor.fetchall() if status == DeliveryStatus.PENDING]


def digest_send_for(*, recipient_id: int, now: dt.datetime) -> Notification | None:
    """Gather a person's waiting notifications into one digest email, once.

    The rows are taken with a conditional UPDATE on their status; if another
    worker took any of them first, this one writes nothing.
    """
    with transaction.atomic():
        rows = list(
            Notification.objects.filter(
                recipient_id=recipient_id,
                email_status=DeliveryStatus.IN_DIGEST,
                email_due_at__lte=now,
            ).order_by("created_at", "pk")
        )
        if not rows:
            return None
        taken = Notification.objects.filter(
            pk__in=[row.pk for row in rows], email_status=DeliveryStatus.IN_DIGEST
        ).update(email_status=DeliveryStatus.DIGESTED, email_due_at=None, email_sent_at=now)
        if taken != len(rows):
            transaction.set_rollback(True)
            return None
        recipient = rows[0].recipient
        return notification_create(
            recipient=recipient,
            kind=NotificationKind.DIGEST,
            context={"items": rows},
            urgent=True,  # the digest itself is never put into a digest
        )
