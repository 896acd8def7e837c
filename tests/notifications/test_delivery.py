"""Email delivery through the outbox: exactly once, retried when the mail server fails."""

from __future__ import annotations

import datetime as dt
import socket
import time

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from notifications.models import DeliveryStatus, Notification, NotificationKind
from notifications.services import notification_create
from notifications.tasks import MAX_ATTEMPTS, notification_deliver, notifications_sweep
from tests.notifications.helpers import wait_until


def _outbox_row(recipient, **fields: object) -> Notification:
    """A notification as the outbox holds it, without the after-commit queueing."""
    return Notification.objects.create(
        recipient=recipient,
        kind=NotificationKind.TEAM_MEMBER_REPORTED,
        subject="s",
        body_text="t",
        body_html="<p>t</p>",
        **fields,
    )


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_report_receipt_is_delivered_once_by_a_real_worker(
    celery_worker, login, reporter, manager
) -> None:
    from policies.services import register_load
    from tests.samples import report_form_data

    register_load()
    data = report_form_data()
    response = login(reporter).post(reverse("incidents:report_create"), data)
    assert response.status_code == 302

    def all_sent() -> bool:
        return not Notification.objects.exclude(email_status=DeliveryStatus.SENT).exists()

    assert wait_until(all_sent, timeout=20), list(
        Notification.objects.values("kind", "email_status", "email_error")
    )
    # The sweeper and a duplicate message find nothing left to send.
    notifications_sweep.delay()
    for notification in Notification.objects.all():
        notification_deliver.delay(notification.pk)
    time.sleep(1.5)
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == sorted([reporter.email, manager.email])


@pytest.mark.django_db
def test_delivering_twice_sends_one_email(reporter, django_capture_on_commit_callbacks) -> None:
    notification = notification_create(
        recipient=reporter,
        kind=NotificationKind.TEAM_MEMBER_REPORTED,
        context={"reporter": reporter},
    )
    assert notification_deliver(notification.pk) == "sent"
    assert notification_deliver(notification.pk) == "not claimed"
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.email_status == DeliveryStatus.SENT and notification.email_due_at is None


@pytest.mark.django_db
def test_an_unreachable_mail_server_is_retried_with_backoff_then_marked_failed(
    reporter, settings
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = (
        "127.0.0.1",
        _closed_port(),
        2,
    )
    notification = notification_create(
        recipient=reporter,
        kind=NotificationKind.TEAM_MEMBER_REPORTED,
        context={"reporter": reporter},
    )
    before = timezone.now()
    assert notification_deliver(notification.pk) == "will retry"
    notification.refresh_from_db()
    assert notification.email_status == DeliveryStatus.PENDING
    assert notification.email_due_at > before + dt.timedelta(seconds=30)
    assert "Connection" in notification.email_error or "refused" in notification.email_error.lower()
    # Not due yet: the sweeper leaves it alone.
    assert notifications_sweep() == 0
    for _ in range(MAX_ATTEMPTS - 1):
        Notification.objects.filter(pk=notification.pk).update(email_due_at=timezone.now())
        notifications_sweep()
    notification.refresh_from_db()
    assert notification.email_status == DeliveryStatus.FAILED
    assert notification.email_attempts == MAX_ATTEMPTS
    assert len(mail.outbox) == 0


@pytest.mark.django_db
def test_the_sweeper_sends_what_was_never_queued(reporter) -> None:
    # As if the process died between the commit and the enqueue: the row is all there is.
    notification = _outbox_row(reporter, email_due_at=timezone.now() - dt.timedelta(seconds=1))
    assert notifications_sweep() == 1
    notification.refresh_from_db()
    assert notification.email_status == DeliveryStatus.SENT
    assert notifications_sweep() == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_claim_abandoned_by_a_dead_worker_is_taken_over(reporter) -> None:
    notification = _outbox_row(
        reporter,
        email_status=DeliveryStatus.SENDING,
        email_claimed_at=timezone.now() - dt.timedelta(minutes=30),
    )
    assert notifications_sweep() == 1
    notification.refresh_from_db()
    assert notification.email_status == DeliveryStatus.SENT


@pytest.mark.django_db
def test_emails_have_a_subject_a_text_body_and_an_html_body(
    reporter, manager, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notification_create(
            recipient=manager,
            kind=NotificationKind.TEAM_MEMBER_REPORTED,
            context={"reporter": reporter},
        )
    message = mail.outbox[0]
    assert message.subject == "A member of your team has made a social media report"
    assert reporter.get_full_name() in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and reporter.get_full_name() in html


@pytest.mark.django_db
def test_a_retry_waits_for_its_backoff_even_if_a_duplicate_message_arrives(
    reporter, settings
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = (
        "127.0.0.1",
        _closed_port(),
        2,
    )
    notification = _outbox_row(reporter, email_due_at=timezone.now())
    assert notification_deliver(notification.pk) == "will retry"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notification_deliver(notification.pk) == "not claimed"  # still backing off
    notification.refresh_from_db()
    assert notification.email_attempts == 1
    Notification.objects.filter(pk=notification.pk).update(email_due_at=timezone.now())
    assert notification_deliver(notification.pk) == "sent"


def test_a_delivery_the_database_refused_before_claiming_is_tried_again_with_backoff() -> None:
    from django.db import InterfaceError, OperationalError

    from notifications.tasks import notification_deliver, notifications_deliver

    for task in (notification_deliver, notifications_deliver):
        assert set(task.autoretry_for) == {OperationalError, InterfaceError}, task.name
        assert task.retry_backoff and task.max_retries >= 5, task.name
