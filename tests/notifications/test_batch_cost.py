"""What sending a batch of emails costs: a fixed handful of statements, then one per email.

The deadline sweep writes its reminders in bulk and the worker sends them in batches over one
connection to the mail server; the bodies are rendered from the row when each email goes.
Marking an email sent is one statement, and inside a batch it doesn't wait for the disk
(the claim before it does).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework.models import Case
from notifications import tasks
from notifications.models import DeliveryStatus, Notification, NotificationKind
from notifications.services import Notice, notices_send
from notifications.tasks import notifications_deliver
from tests.notifications.helpers import RecordingSMTPHandler

_made = 0


def _reminders(recipient, count: int) -> list[int]:
    """``count`` deadline reminders to ``recipient``, written as the sweep writes them."""
    global _made
    notices = []
    for _ in range(count):
        _made += 1
        case = Case.objects.create(
            reference=f"BATCH-{_made:04d}", next_due_at=timezone.now() + dt.timedelta(days=1)
        )
        notices.append(
            Notice(
                kind=NotificationKind.DEADLINE_REMINDER,
                recipients=[recipient],
                context={"clock_label": "Triage started", "due_at": case.next_due_at},
                case=case,
                link=f"/cases/{case.reference}/",
            )
        )
    assert notices_send(notices=notices) == count
    rows = Notification.objects.filter(case__reference__startswith="BATCH-", email_sent_at=None)
    return list(rows.order_by("pk").values_list("pk", flat=True))


def _text_body(message) -> str:
    plain = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    return plain.get_payload(decode=True).decode()


@pytest.mark.django_db
def test_each_email_of_a_batch_costs_one_statement_and_its_body_is_rendered_from_the_row(
    smtp_server: RecordingSMTPHandler, triage_officer
) -> None:
    def batch(count: int) -> int:
        ids = _reminders(triage_officer, count)
        with CaptureQueriesContext(connection) as queries:
            assert notifications_deliver(ids) == {"sent": count}
        return len(queries)

    few, many = batch(2), batch(7)

    # The claim and the batch's own statements are the same for both; each email adds its "sent"
    # mark and nothing else (no query for its recipient or case while its body is rendered).
    assert many - few == 5
    assert len(smtp_server.accepted) == 9 and smtp_server.connections == 2
    last = smtp_server.accepted[-1].message
    body = _text_body(last)
    assert body.startswith("Dear Tom,") and "BATCH-0009" in body
    assert "BATCH-0009" in last["Subject"]
    assert set(Notification.objects.values_list("email_status", flat=True)) == {DeliveryStatus.SENT}


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.postgresql
@pytest.mark.skipif(connection.vendor != "postgresql", reason="synchronous_commit is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_sent_marks_in_a_batch_do_not_wait_for_the_disk_and_the_claim_and_what_follows_do(
    smtp_server: RecordingSMTPHandler, triage_officer, monkeypatch
) -> None:
    with monkeypatch.context() as queueing:
        # Committed at once here: the after-commit queueing would send them before the test does.
        queueing.setattr(notifications_deliver, "apply_async", lambda *args, **kwargs: None)
        ids = _reminders(triage_officer, 3)
    default = _synchronous_commit()
    assert default != "off"
    at_claim: list[str] = []
    at_mark: list[str] = []
    claim, mark_sent = tasks._claim, tasks._mark_sent

    def claiming(*args, **kwargs):
        at_claim.append(_synchronous_commit())
        return claim(*args, **kwargs)

    def marking(notification_id: int) -> None:
        at_mark.append(_synchronous_commit())
        mark_sent(notification_id)

    monkeypatch.setattr(tasks, "_claim", claiming)
    monkeypatch.setattr(tasks, "_mark_sent", marking)

    assert notifications_deliver(ids) == {"sent": 3}

    assert at_claim == [default]
    assert at_mark == ["off"] * 3
    # The connection is kept for the next task: it is back to waiting for the disk.
    assert _synchronous_commit() == default
    assert len(smtp_server.accepted) == 3
