"""Fixed moments and the deadline notifications a sweep sent."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from notifications.models import Notification, NotificationKind

LONDON = ZoneInfo("Europe/London")
DEADLINE_KINDS = [
    NotificationKind.DEADLINE_REMINDER,
    NotificationKind.DEADLINE_OVERDUE,
    NotificationKind.DEADLINE_ESCALATION,
]


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def london(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


def deadline_notifications(case: object = None, kind: str | None = None):
    rows = Notification.objects.filter(kind__in=DEADLINE_KINDS)
    if case is not None:
        rows = rows.filter(case=case)
    if kind is not None:
        rows = rows.filter(kind=kind)
    return rows


def recipients(case: object, kind: str) -> set[str]:
    return set(deadline_notifications(case, kind).values_list("recipient__email", flat=True))
