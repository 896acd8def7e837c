"""Hours in emails and on pages carry their zone, so the clocks-back night's two 01:30s differ."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from casework.models import CaseState
from casework.notices import notify_deadline
from deadlines.models import Clock, Deadline
from deadlines.services import deadline_open
from notifications.models import Notification, NotificationKind
from notifications.tasks import notification_deliver
from tests.factories import Cast, case_in_state

pytestmark = pytest.mark.django_db

FIRST_0130 = dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)  # 01:30 BST
SECOND_0130 = dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)  # 01:30 GMT, an hour later


def _deadline_due(cast: Cast, due_at: dt.datetime) -> Deadline:
    case = case_in_state(CaseState.NEW, cast)
    deadline = deadline_open(case=case, clock=Clock.TRIAGE_START, started_at=due_at)
    Deadline.objects.filter(pk=deadline.pk).update(due_at=due_at)
    deadline.refresh_from_db()
    return deadline


def test_two_reminders_an_hour_apart_on_the_clocks_back_night_read_differently(
    cast: Cast,
) -> None:
    for due_at in (FIRST_0130, SECOND_0130):
        notify_deadline(deadline=_deadline_due(cast, due_at), step="reminder")

    reminders = Notification.objects.filter(
        recipient=cast.triage_officer, kind=NotificationKind.DEADLINE_REMINDER
    ).order_by("pk")
    first, second = reminders
    assert "due Sunday 25 October, 01:30 BST" in first.subject
    assert "due Sunday 25 October, 01:30 GMT" in second.subject
    # The bodies are rendered when the emails are sent.
    assert notification_deliver(first.pk) == notification_deliver(second.pk) == "sent"
    first_email, second_email = mail.outbox
    assert "due by Sunday 25 October 2026, 01:30 BST." in first_email.body
    assert "due by Sunday 25 October 2026, 01:30 GMT." in second_email.body
    assert "01:30 BST" in first_email.alternatives[0][0]
    assert "01:30 GMT" in second_email.alternatives[0][0]


def test_the_inbox_and_the_case_page_show_the_zone_of_each_hour(login, cast: Cast) -> None:
    deadlines = [_deadline_due(cast, due_at) for due_at in (FIRST_0130, SECOND_0130)]
    for deadline in deadlines:
        notify_deadline(deadline=deadline, step="reminder")
    mine = Notification.objects.filter(recipient=cast.triage_officer).order_by("pk")
    for notification, moment in zip(mine, (FIRST_0130, SECOND_0130), strict=True):
        Notification.objects.filter(pk=notification.pk).update(created_at=moment)
    client = login(cast.triage_officer)

    inbox = client.get(reverse("notifications:inbox")).content.decode()
    first_case = client.get(
        reverse("casework:case_detail", args=[deadlines[0].case.reference])
    ).content.decode()
    second_case = client.get(
        reverse("casework:case_detail", args=[deadlines[1].case.reference])
    ).content.decode()

    assert "25 Oct 2026, 01:30 BST" in inbox and "25 Oct 2026, 01:30 GMT" in inbox
    assert "Sun 25 Oct 2026, 01:30 BST" in first_case
    assert "Sun 25 Oct 2026, 01:30 GMT" in second_case
