"""Deadline fixtures: the casework cast, fixed moments, and a sweep run at a chosen time.

Times are written in UTC (``utc(...)``) or London local time (``london(...)``);
``sweep_at`` moves the clock there with time-machine (services read
``timezone.now()``), runs the sweep and executes the on-commit email sends,
so ``mail.outbox`` holds what a real worker would have sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest

from casework.notices import deadlines_sweep
from notifications.models import Notification, NotificationKind

# The casework cast and the specialist leads, shared rather than redefined.
from tests.casework.conftest import (
    cast,
    decision_maker,
    ig_lead,
    other_triage_officer,
    safeguarding_lead,
)

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


def deadline_notifications(case: object = None, kind: str | None = None):  # noqa: ANN201 - a queryset
    rows = Notification.objects.filter(kind__in=DEADLINE_KINDS)
    if case is not None:
        rows = rows.filter(case=case)
    if kind is not None:
        rows = rows.filter(kind=kind)
    return rows


def recipients(case: object, kind: str) -> set[str]:
    return set(deadline_notifications(case, kind).values_list("recipient__email", flat=True))


@pytest.fixture
def now_is(time_machine) -> Callable[[dt.datetime], dt.datetime]:
    """``now_is(moment)`` freezes ``timezone.now()`` at that moment."""

    def move(moment: dt.datetime) -> dt.datetime:
        time_machine.move_to(moment, tick=False)
        return moment

    return move


@pytest.fixture
def sweep_at(now_is, django_capture_on_commit_callbacks) -> Callable[..., int]:
    """``sweep_at(moment)`` runs the beat sweep at that moment and sends its emails."""

    def run(moment: dt.datetime, *, limit: int = 1000) -> int:
        now_is(moment)
        with django_capture_on_commit_callbacks(execute=True):
            return deadlines_sweep(limit=limit)

    return run


__all__ = ["cast", "decision_maker", "ig_lead", "other_triage_officer", "safeguarding_lead"]
