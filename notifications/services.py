"""Writing notifications: a row per recipient in the caller's transaction.

The row is the outbox. Delivery is queued once the transaction commits, and
the sweeper picks up any row whose queueing was lost (broker down, process
killed between commit and enqueue), so nothing written here is ever dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from directory.models import User
from notifications.models import DeliveryStatus, Notification, NotificationKind
from notifications.rendering import notification_render

# How long the after-commit queueing gets before the sweeper steps in.
SWEEP_GRACE = dt.timedelta(minutes=2)


def notification_create(
    *, recipient: User, kind: NotificationKind, context: Mapping[str, object], link: str = ""
) -> Notification:
    from notifications.tasks import notification_deliver

    rendered = notification_render(kind=kind, context={**context, "recipient": recipient, "link": link,
                                                        "site_url": settings.SITE_URL})
    notification = Notification.objects.create(
        recipient=recipient,
        kind=kind,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        link=link,
        email_status=DeliveryStatus.PENDING,
        email_due_at=timezone.now() + SWEEP_GRACE,
    )
    notification_id = notification.pk
    transaction.on_commit(lambda: notification_deliver.delay(notification_id))
    return notification
