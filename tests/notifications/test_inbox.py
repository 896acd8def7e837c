"""The in-app inbox, email preferences and the daily digest."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from directory.models import EmailPreference
from notifications.models import DeliveryStatus, Notification, NotificationKind
from notifications.services import digest_send_for, notification_create
from notifications.tasks import notifications_digest_send

pytestmark = pytest.mark.django_db


def _notify(user, *, urgent: bool = False, link: str = "/reports/mine/") -> Notification:
    return notification_create(
        recipient=user,
        kind=NotificationKind.TEAM_MEMBER_REPORTED,
        context={"reporter": user},
        link=link,
        urgent=urgent,
    )


def test_the_header_shows_the_unread_count(login, reporter) -> None:
    _notify(reporter)
    _notify(reporter)
    page = login(reporter).get(reverse("home")).content.decode()
    assert '<span class="badge">2<span class="nhsuk-u-visually-hidden"> unread</span>' in page


def test_opening_a_notification_marks_it_read_and_follows_its_link(login, reporter) -> None:
    notification = _notify(reporter)
    response = login(reporter).post(reverse("notifications:open", args=[notification.pk]))
    assert response["Location"] == "/reports/mine/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_a_link_elsewhere_is_not_followed(login, reporter) -> None:
    notification = _notify(reporter, link="https://evil.example.org/")
    response = login(reporter).post(reverse("notifications:open", args=[notification.pk]))
    assert response["Location"] == reverse("notifications:inbox")


def test_nobody_opens_someone_elses_notification(login, reporter, outsider) -> None:
    notification = _notify(reporter)
    assert (
        login(outsider).post(reverse("notifications:open", args=[notification.pk])).status_code
        == 404
    )
    page = login(outsider).get(reverse("notifications:inbox")).content.decode()
    assert notification.subject not in page


def test_mark_all_read_and_the_unread_filter(login, reporter) -> None:
    for _ in range(3):
        _notify(reporter)
    client = login(reporter)
    assert (
        len(
            client.get(reverse("notifications:inbox"), {"show": "unread"})
            .context["page"]
            .object_list
        )
        == 3
    )
    client.post(reverse("notifications:mark_all_read"))
    assert Notification.objects.filter(recipient=reporter, read_at__isnull=True).count() == 0
    assert (
        "Nothing unread"
        in client.get(reverse("notifications:inbox"), {"show": "unread"}).content.decode()
    )


def test_the_inbox_needs_post_to_change_anything(login, reporter) -> None:
    notification = _notify(reporter)
    assert (
        login(reporter).get(reverse("notifications:open", args=[notification.pk])).status_code
        == 405
    )


def test_choosing_the_daily_digest(login, reporter) -> None:
    client = login(reporter)
    client.post(reverse("notifications:preferences"), {"email_preference": "daily_digest"})
    reporter.refresh_from_db()
    assert reporter.email_preference == EmailPreference.DAILY_DIGEST
    response = client.post(reverse("notifications:preferences"), {"email_preference": "hourly"})
    assert response.status_code == 200 and response.context["form"].errors


def test_digest_people_get_one_email_a_day_but_urgent_ones_at_once(
    reporter, django_capture_on_commit_callbacks
) -> None:
    reporter.email_preference = EmailPreference.DAILY_DIGEST
    reporter.save(update_fields=["email_preference"])
    with django_capture_on_commit_callbacks(execute=True):
        first, second = _notify(reporter), _notify(reporter)
        urgent = _notify(reporter, urgent=True)
    assert first.email_status == DeliveryStatus.IN_DIGEST and first.email_due_at > timezone.now()
    assert len(mail.outbox) == 1  # only the urgent one
    urgent.refresh_from_db()
    assert urgent.email_status == DeliveryStatus.SENT
    later = first.email_due_at + dt.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        digest = digest_send_for(recipient_id=reporter.pk, now=later)
        again = digest_send_for(recipient_id=reporter.pk, now=later)
    assert digest is not None and again is None
    assert len(mail.outbox) == 2
    assert "2 updates" in mail.outbox[1].subject
    assert first.subject in mail.outbox[1].body and second.subject in mail.outbox[1].body
    assert set(
        Notification.objects.filter(pk__in=[first.pk, second.pk]).values_list(
            "email_status", flat=True
        )
    ) == {DeliveryStatus.DIGESTED}


def test_the_digest_task_waits_for_the_morning(reporter) -> None:
    reporter.email_preference = EmailPreference.DAILY_DIGEST
    reporter.save(update_fields=["email_preference"])
    _notify(reporter)
    assert notifications_digest_send() == 0  # not due until the digest hour
    Notification.objects.update(email_due_at=timezone.now() - dt.timedelta(seconds=1))
    assert notifications_digest_send() == 1
    assert notifications_digest_send() == 0


def test_the_badge_counts_no_further_than_99(login, reporter) -> None:
    Notification.objects.bulk_create(
        Notification(recipient=reporter, kind=NotificationKind.CASE_ROUTED, subject=f"N{n}")
        for n in range(120)
    )
    page = login(reporter).get(reverse("home")).content.decode()
    assert '<span class="badge">99+<span class="nhsuk-u-visually-hidden"> unread</span>' in page


def test_the_inbox_pages_older_and_newer_without_offset_or_a_whole_count(login, reporter) -> None:
    moment = timezone.now() - dt.timedelta(days=2)
    made = Notification.objects.bulk_create(
        Notification(recipient=reporter, kind=NotificationKind.CASE_ROUTED, subject=f"N{n}")
        for n in range(70)
    )
    for n, notification in enumerate(made):
        Notification.objects.filter(pk=notification.pk).update(
            created_at=moment + dt.timedelta(minutes=n // 4),  # ties settled by the id
            read_at=None if n % 3 else moment,
        )
    expected = list(
        Notification.objects.filter(recipient=reporter, read_at__isnull=True)
        .order_by("-created_at", "-pk")
        .values_list("subject", flat=True)
    )
    client = login(reporter)
    url = reverse("notifications:inbox")
    response = client.get(url, {"show": "unread"})
    seen = [notification.subject for notification in response.context["page"]]
    while match := re.search(
        r'href="(\?[^"]*)" rel="next"><span class="nhsuk-pagination__title">Older</span>',
        response.content.decode(),
    ):
        link = html.unescape(match.group(1))
        assert "show=unread" in link
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url + link)
        for query in queries.captured_queries:
            sql = query["sql"].upper()
            assert " OFFSET " not in sql
            assert "COUNT(" not in sql or re.search(r"FROM \(.*LIMIT \d+", sql), sql
        seen += [notification.subject for notification in response.context["page"]]
    assert seen == expected
    garbled = client.get(url, {"show": "unread", "before": "!!"}).context["page"].object_list
    assert [notification.subject for notification in garbled] == expected[:25]
