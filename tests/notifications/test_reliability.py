"""Email delivery under failure, with a real worker, a real broker and a real SMTP server.

Nothing here is mocked: tasks go through the configured broker (Redis when
CELERY_BROKER_URL says so, as in CI; the embedded file broker otherwise) to a
real Celery worker, and mail goes over SMTP to an aiosmtpd server on a free
local port that records what it accepts. Each test checks that an email is
sent exactly once whatever goes wrong: duplicates, a worker killed mid-send,
the broker down during a transition, sweepers running side by side, a
message that keeps killing its worker, and the database connection lost
after the mail server accepted a message.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.models import Case, CaseState
from casework.notices import deadlines_sweep
from casework.services import case_route_to_manager
from casework.tasks import deadlines_sweep_task
from config.tasks import BoundedDeliveryTask, _delivery_count
from deadlines.models import Clock, Deadline
from deadlines.services import deadline_open
from notifications.models import DeliveryStatus, Notification, NotificationKind, TaskDelivery
from notifications.tasks import (
    MAX_ATTEMPTS,
    message_id,
    notification_deliver,
    notifications_deliver,
    notifications_sweep,
)
from tests.factories import Cast, case_in_state
from tests.helpers import action_form_data
from tests.notifications.helpers import (
    Broker,
    FinishedTasks,
    RecordingSMTPHandler,
    WorkerProcess,
    _fresh_connections,
    free_port,
    wait_until,
)

SQLITE = connection.vendor == "sqlite"
SHARED_DATABASE = pytest.mark.skipif(
    SQLITE,
    reason="an in-memory SQLite test database can't be shared with another process or raced "
    "with row locks (CI runs this on PostgreSQL and deselects it with -m 'not postgresql' on SQLite)",
)
DELIVER = notification_deliver.name
DELIVER_BATCH = notifications_deliver.name
SWEEP = notifications_sweep.name


def _routed_case(cast: Cast) -> Case:
    """A case in triage that can go to the poster's line manager: poster, principle and summary set."""
    case = case_in_state(CaseState.TRIAGE, cast)
    assert case.poster.line_manager_id == cast.line_manager.pk
    assert case.principles.exists() and case.triage_summary
    return case


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


def _settle(finished: FinishedTasks, *, sweeps: int, timeout: float = 30.0) -> bool:
    """Wait until ``sweeps`` sweeps have finished and every delivery they queued has finished too."""

    def settled() -> bool:
        done = finished.of(SWEEP)
        queued = sum(run.retval or 0 for run in done)
        return len(done) >= sweeps and len(finished.of(DELIVER)) >= queued

    return wait_until(settled, timeout=timeout)


def _in_threads(count: int, work: Callable[[], object]) -> list[object]:
    """Run ``work`` in ``count`` threads released at the same moment; their results or exceptions."""
    start = threading.Barrier(count, timeout=30)
    results: list[object] = [None] * count

    def run(index: int) -> None:
        try:
            start.wait()
            results[index] = work()
        except Exception as error:  # noqa: BLE001 - handed back to the test to assert on
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish within 60 s"
    return results


# --- 1. One transition, one email ----------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_transition_emails_the_line_manager_exactly_once(
    celery_worker, smtp_server: RecordingSMTPHandler, finished_tasks: FinishedTasks, cast: Cast
) -> None:
    manager = cast.line_manager.email
    case = _routed_case(cast)

    case_route_to_manager(case=case, by=cast.triage_officer, note="Over to the line manager.")

    assert wait_until(lambda: smtp_server.to(manager), timeout=30), Notification.objects.values(
        "email_status", "email_error"
    ).first()
    notification = Notification.objects.get(recipient=cast.line_manager)
    assert notification.kind == NotificationKind.CASE_ROUTED
    assert wait_until(
        lambda: Notification.objects.get(pk=notification.pk).email_status == DeliveryStatus.SENT
    )
    # The sweeper (in the worker, then here) and a duplicate message find nothing left to send.
    notifications_sweep.delay()
    duplicate = notification_deliver.delay(notification.pk)
    assert wait_until(lambda: finished_tasks.by_id(duplicate.id), timeout=30)
    assert _settle(finished_tasks, sweeps=1)
    assert finished_tasks.by_id(duplicate.id)[0].retval == "not claimed"
    assert notifications_sweep() == 0

    delivered = smtp_server.to(manager)
    assert len(delivered) == 1, [item.rcpt_tos for item in smtp_server.accepted]
    assert delivered[0].message["X-Flagpost-Notification"] == str(notification.pk)
    assert delivered[0].message["Subject"] == notification.subject
    notification.refresh_from_db()
    assert notification.email_status == DeliveryStatus.SENT and notification.email_attempts == 1


# --- 2. The worker killed mid-send ----------------------------------------------------


@pytest.mark.worker
@pytest.mark.postgresql
@SHARED_DATABASE
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_leaves_an_email_that_is_sent_once_by_the_next_worker(
    worker_process, real_broker: Broker, smtp_server: RecordingSMTPHandler, settings, cast: Cast
) -> None:
    # The sweeper runs here, so it must see the same short lease as the worker processes.
    settings.NOTIFICATION_CLAIM_LEASE_SECONDS = 3
    manager = cast.line_manager.email
    smtp_server.stall_next = True
    first = worker_process()

    case_route_to_manager(
        case=_routed_case(cast), by=cast.triage_officer, note="Over to the line manager."
    )

    # The worker has claimed the row and is waiting for the server's reply to its message.
    assert smtp_server.stalled.wait(timeout=30), first.log_tail()
    notification = Notification.objects.get(recipient=cast.line_manager)
    assert notification.email_status == DeliveryStatus.SENDING
    first.kill()
    assert first.process.returncode == -9, first.log_tail()
    smtp_server.release.set()
    assert smtp_server.accepted == []

    # Nothing is left to finish the send: the claim stays until its lease runs out.
    notification.refresh_from_db()
    assert notification.email_status == DeliveryStatus.SENDING and notification.email_attempts == 1
    lease_over = notification.email_claimed_at + dt.timedelta(seconds=3.5)
    time.sleep(max(0.0, (lease_over - timezone.now()).total_seconds()))
    assert notifications_sweep() == 1
    # Start the next worker once the broker's visibility timeout (5 s) has passed too, so that on
    # Redis the killed worker's unacknowledged message comes back as well: two deliveries race.
    visibility_over = notification.email_claimed_at + dt.timedelta(seconds=6)
    time.sleep(max(0.0, (visibility_over - timezone.now()).total_seconds()))
    second = worker_process()

    assert wait_until(lambda: smtp_server.to(manager), timeout=30), second.log_tail()
    assert wait_until(
        lambda: Notification.objects.get(pk=notification.pk).email_status == DeliveryStatus.SENT,
        timeout=15,
    ), second.log_tail()
    time.sleep(2)  # room for a duplicate to show up, if there were one
    assert len(smtp_server.to(manager)) == 1, second.log_tail()
    assert len(smtp_server.accepted) == 1
    notification.refresh_from_db()
    assert notification.email_attempts == 2  # the dead worker's claim and the one that sent it
    if real_broker.url.startswith("redis://"):
        # Redis put the dead worker's message back marked redelivered: its two starts are counted.
        # The sweeper's new message, a first delivery, is not.
        assert list(TaskDelivery.objects.values_list("task_name", "deliveries")) == [(DELIVER, 2)]


# --- 3. The broker down during a transition ---------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_transition_with_the_broker_down_commits_and_its_email_goes_once_the_broker_is_back(
    start_celery_worker, smtp_server: RecordingSMTPHandler, login, cast: Cast, caplog
) -> None:
    from config.celery import app

    manager = cast.line_manager.email
    case = _routed_case(cast)
    data = action_form_data("route_to_manager", case, cast)
    # Producers write to the broker_write_url (which beats CELERY_BROKER_URL from the environment).
    saved = app.conf.get("broker_write_url")
    app.conf.broker_write_url = f"redis://127.0.0.1:{free_port()}/0"
    _fresh_connections(app)
    try:
        started = time.monotonic()
        with caplog.at_level(logging.ERROR, logger="django.db.backends.base"):
            response = login(cast.triage_officer).post(
                reverse("casework:case_action", args=[case.reference, "route_to_manager"]), data
            )
        took = time.monotonic() - started
    finally:
        app.conf.broker_write_url = saved
        _fresh_connections(app)

    assert response.status_code == 302, response.content.decode()[:500]
    assert Case.objects.get(pk=case.pk).state == CaseState.MANAGER_REVIEW
    assert took < 15, f"the request waited {took:.1f} s for the broker"
    # The enqueue really failed, and was logged rather than turned into an error page.
    assert any("on_commit" in record.getMessage() for record in caplog.records), caplog.text
    notification = Notification.objects.get(recipient=cast.line_manager)
    assert notification.email_status == DeliveryStatus.PENDING
    assert notification.email_due_at > timezone.now()  # left for the sweeper

    start_celery_worker()
    time.sleep(1)
    assert smtp_server.accepted == []  # nothing was queued while the broker was down
    Notification.objects.filter(pk=notification.pk).update(
        email_due_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert notifications_sweep() == 1

    assert wait_until(lambda: smtp_server.to(manager), timeout=30)
    assert wait_until(
        lambda: Notification.objects.get(pk=notification.pk).email_status == DeliveryStatus.SENT
    )
    assert notifications_sweep() == 0
    time.sleep(1)
    assert len(smtp_server.to(manager)) == 1


# --- 4. Sweepers side by side ------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_queued_at_once_send_one_email(
    celery_worker, smtp_server: RecordingSMTPHandler, finished_tasks: FinishedTasks, reporter
) -> None:
    notification = _outbox_row(reporter, email_due_at=timezone.now() - dt.timedelta(seconds=1))

    notifications_sweep.delay()
    notifications_sweep.delay()

    assert _settle(finished_tasks, sweeps=2), finished_tasks.runs
    assert wait_until(lambda: smtp_server.to(reporter.email))
    assert sorted(str(run.retval) for run in finished_tasks.of(DELIVER)).count("sent") == 1
    assert len(smtp_server.to(reporter.email)) == 1
    notification.refresh_from_db()
    assert notification.email_status == DeliveryStatus.SENT and notification.email_attempts == 1


@pytest.mark.worker
@pytest.mark.postgresql
@SHARED_DATABASE
@pytest.mark.django_db(transaction=True)
def test_two_sweepers_running_at_the_same_moment_send_one_email(
    celery_worker, smtp_server: RecordingSMTPHandler, finished_tasks: FinishedTasks, reporter
) -> None:
    notification = _outbox_row(reporter, email_due_at=timezone.now() - dt.timedelta(seconds=1))

    queued = _in_threads(2, notifications_sweep)

    assert all(isinstance(count, int) for count in queued), queued
    assert wait_until(lambda: len(finished_tasks.of(DELIVER)) >= sum(queued)), finished_tasks.runs
    assert wait_until(lambda: smtp_server.to(reporter.email))
    assert [run.retval for run in finished_tasks.of(DELIVER)].count("sent") == 1
    assert len(smtp_server.to(reporter.email)) == 1
    notification.refresh_from_db()
    assert notification.email_status == DeliveryStatus.SENT and notification.email_attempts == 1


@pytest.mark.postgresql
@SHARED_DATABASE
@pytest.mark.django_db(transaction=True)
def test_two_deliveries_of_one_email_at_the_same_moment_send_it_once(
    smtp_server: RecordingSMTPHandler, reporter
) -> None:
    notification = _outbox_row(reporter, email_due_at=timezone.now() - dt.timedelta(seconds=1))

    outcomes = _in_threads(2, lambda: notification_deliver(notification.pk))

    assert sorted(map(str, outcomes)) == ["not claimed", "sent"]
    assert len(smtp_server.to(reporter.email)) == 1


def _reminder_due(cast: Cast) -> tuple[Deadline, dt.datetime]:
    """A new case's "start triage" deadline, and a moment after its reminder and before it is due."""
    case = case_in_state(CaseState.NEW, cast)
    deadline = deadline_open(case=case, clock=Clock.TRIAGE_START, started_at=timezone.now())
    assert deadline.remind_at is not None
    moment = deadline.remind_at + dt.timedelta(seconds=1)
    assert moment < deadline.due_at
    return deadline, moment


@pytest.mark.postgresql
@SHARED_DATABASE
@pytest.mark.django_db(transaction=True)
def test_two_deadline_sweeps_at_the_same_moment_send_one_reminder_per_person(
    smtp_server: RecordingSMTPHandler, cast: Cast, other_triage_officer
) -> None:
    deadline, moment = _reminder_due(cast)
    owners = [cast.triage_officer, other_triage_officer]

    sent = _in_threads(2, lambda: deadlines_sweep(now=moment))

    assert sorted(sent) == [0, 1], (
        sent
    )  # one sweeper claimed the reminder, the other found it taken
    for owner in owners:
        reminders = Notification.objects.filter(
            recipient=owner, case=deadline.case, kind=NotificationKind.DEADLINE_REMINDER
        )
        assert reminders.count() == 1, owner
    assert Notification.objects.filter(kind=NotificationKind.DEADLINE_REMINDER).count() == len(
        owners
    )
    # The reminders were emailed (in this process: no broker here), once each.
    assert wait_until(lambda: all(smtp_server.to(owner.email) for owner in owners), timeout=15)
    assert sorted(item.rcpt_tos[0] for item in smtp_server.accepted) == sorted(
        owner.email for owner in owners
    )
    deadline.refresh_from_db()
    assert deadline.reminder_sent_at == moment


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_deadline_sweeps_queued_at_once_send_one_reminder_per_person(
    celery_worker,
    smtp_server: RecordingSMTPHandler,
    finished_tasks: FinishedTasks,
    cast: Cast,
    other_triage_officer,
) -> None:
    deadline, _ = _reminder_due(cast)
    # Make the reminder due now, by the real clock the task sweeps by.
    now = timezone.now()
    Deadline.objects.filter(pk=deadline.pk).update(
        remind_at=now - dt.timedelta(minutes=1), next_action_at=now - dt.timedelta(minutes=1)
    )
    owners = [cast.triage_officer, other_triage_officer]

    deadlines_sweep_task.delay()
    deadlines_sweep_task.delay()

    assert wait_until(lambda: len(finished_tasks.of(deadlines_sweep_task.name)) == 2), (
        finished_tasks.runs
    )
    assert sorted(run.retval for run in finished_tasks.of(deadlines_sweep_task.name)) == [0, 1]
    assert wait_until(lambda: all(smtp_server.to(owner.email) for owner in owners), timeout=30)
    # The sweep queued its reminders as one batch, sent over one connection.
    assert wait_until(lambda: finished_tasks.of(DELIVER_BATCH), timeout=30)
    assert [run.retval for run in finished_tasks.of(DELIVER_BATCH)] == [{"sent": len(owners)}]
    assert smtp_server.connections == 1
    for owner in owners:
        assert (
            Notification.objects.filter(
                recipient=owner, case=deadline.case, kind=NotificationKind.DEADLINE_REMINDER
            ).count()
            == 1
        )
        assert len(smtp_server.to(owner.email)) == 1


# --- 5. A message that keeps killing its worker --------------------------------------------


@pytest.mark.django_db
def test_the_fourth_start_of_one_task_message_is_over_the_limit() -> None:
    task_id = str(uuid.uuid4())

    counts = [_delivery_count(task_id, DELIVER) for _ in range(4)]

    assert counts == [1, 2, 3, 4]
    assert BoundedDeliveryTask.max_deliveries == 3
    assert counts[2] <= BoundedDeliveryTask.max_deliveries < counts[3]
    assert (
        _delivery_count(str(uuid.uuid4()), DELIVER) == 1
    )  # counted per message, not per task name
    assert TaskDelivery.objects.get(pk=task_id).deliveries == 4


def _start(task, *args: object, task_id: str, redelivered: bool) -> object:
    """Start ``task`` as a worker starts a message (not eagerly), first delivered or redelivered."""
    task.push_request(id=task_id, is_eager=False, delivery_info={"redelivered": redelivered})
    try:
        return task(*args)
    finally:
        task.pop_request()


@pytest.mark.django_db
def test_a_first_delivery_costs_no_count_and_the_fourth_start_of_a_redelivered_message_is_refused(
    reporter,
) -> None:
    notification = _outbox_row(reporter, email_due_at=timezone.now() + dt.timedelta(hours=1))
    task_id = str(uuid.uuid4())

    # A first delivery: no count is kept, so it costs no query of its own.
    with CaptureQueriesContext(connection) as queries:
        assert _start(
            notification_deliver, notification.pk, task_id=task_id, redelivered=False
        ) == ("sent")
    assert not [query for query in queries.captured_queries if "taskdelivery" in query["sql"]]
    assert not TaskDelivery.objects.exists()

    # The same message redelivered twice (its worker died): counted from 2, its first start included.
    for count in (2, 3):
        assert _start(notification_deliver, notification.pk, task_id=task_id, redelivered=True) == (
            "not claimed"
        )
        assert TaskDelivery.objects.get(pk=task_id).deliveries == count
    # Give it real work again; the fourth start of that message refuses to do it.
    Notification.objects.filter(pk=notification.pk).update(
        email_status=DeliveryStatus.PENDING, email_due_at=timezone.now()
    )
    assert _start(notification_deliver, notification.pk, task_id=task_id, redelivered=True) is None
    assert TaskDelivery.objects.get(pk=task_id).deliveries == 4
    notification.refresh_from_db()
    assert notification.email_status == DeliveryStatus.PENDING and notification.email_attempts == 1
    # Any other message for the same email is not affected.
    assert _start(notification_deliver, notification.pk, task_id="other", redelivered=False) == (
        "sent"
    )


def _mark_queued_messages_redelivered(broker: str) -> int:
    """Do to every message waiting on the Redis queue what kombu does when it puts one back.

    kombu's Redis transport restores an unacknowledged message (its worker died, or the
    visibility timeout passed) by pushing it back with ``redelivered`` set in its headers
    and delivery info (``Channel._do_restore_message``); this does the same in place.
    """
    import json

    import redis

    client = redis.Redis.from_url(broker)
    payloads = client.lrange("celery", 0, -1)
    for index, raw in enumerate(payloads):
        payload = json.loads(raw)
        payload["headers"]["redelivered"] = True
        payload["properties"]["delivery_info"]["redelivered"] = True
        client.lset("celery", index, json.dumps(payload))
    return len(payloads)


@pytest.mark.worker
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_counts_a_redelivered_message_and_not_a_first_delivery(
    real_broker: Broker,
    start_celery_worker,
    smtp_server: RecordingSMTPHandler,
    finished_tasks: FinishedTasks,
    reporter,
    outsider,
) -> None:
    later = timezone.now() + dt.timedelta(hours=1)
    back = notification_deliver.delay(_outbox_row(reporter, email_due_at=later).pk)
    assert _mark_queued_messages_redelivered(real_broker.url) == 1
    first = notification_deliver.delay(_outbox_row(outsider, email_due_at=later).pk)

    start_celery_worker()

    assert wait_until(lambda: finished_tasks.by_id(back.id) and finished_tasks.by_id(first.id))
    assert finished_tasks.by_id(back.id)[0].retval == finished_tasks.by_id(first.id)[0].retval
    assert finished_tasks.by_id(first.id)[0].retval == "sent"
    assert list(TaskDelivery.objects.values_list("task_id", "deliveries")) == [(back.id, 2)]


@pytest.mark.django_db
def test_an_email_whose_sender_keeps_dying_is_given_up_after_the_last_attempt(
    smtp_server: RecordingSMTPHandler, reporter, outsider
) -> None:
    # Each sweep queues a new message (a new task id) for a dead worker's claim, so the per-message
    # bound alone would let an email that kills its worker be tried every lease, for ever.
    long_ago = timezone.now() - dt.timedelta(hours=1)
    spent = _outbox_row(
        reporter,
        email_status=DeliveryStatus.SENDING,
        email_claimed_at=long_ago,
        email_attempts=MAX_ATTEMPTS,
    )
    last_chance = _outbox_row(
        outsider,
        email_status=DeliveryStatus.SENDING,
        email_claimed_at=long_ago,
        email_attempts=MAX_ATTEMPTS - 1,
    )

    assert notifications_sweep() == 1  # eager here: the last attempt is made and succeeds

    spent.refresh_from_db()
    assert spent.email_status == DeliveryStatus.FAILED and spent.email_due_at is None
    assert spent.email_attempts == MAX_ATTEMPTS and "gave up" in spent.email_error.lower()
    assert notification_deliver(spent.pk) == "not claimed"
    assert notifications_sweep() == 0
    assert smtp_server.to(reporter.email) == []
    last_chance.refresh_from_db()
    assert last_chance.email_status == DeliveryStatus.SENT
    assert len(smtp_server.to(outsider.email)) == 1


# --- 6. The database connection lost after the mail server accepted -----------------------


def _terminate_connections_of(worker: WorkerProcess) -> int:
    """``pg_terminate_backend`` every database connection the worker process holds (as a failover would)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = %s AND datname = current_database()",
            [worker.application_name],
        )
        return sum(1 for (terminated,) in cursor.fetchall() if terminated)


@pytest.mark.worker
@pytest.mark.postgresql
@SHARED_DATABASE
@pytest.mark.django_db(transaction=True)
def test_a_database_connection_killed_after_the_mail_server_accepted_sends_each_email_once(
    worker_process, smtp_server: RecordingSMTPHandler, settings, reporter
) -> None:
    # The sweeper runs here, so it must see the same short lease as the worker process.
    settings.NOTIFICATION_CLAIM_LEASE_SECONDS = 3
    expected = 20
    held = [1, 7, 14, 20]  # the first, some in the middle and the last message
    smtp_server.hold(held)
    worker = worker_process()
    rows = [
        _outbox_row(reporter, email_due_at=timezone.now() + dt.timedelta(hours=1))
        for _ in range(expected)
    ]
    for row in rows:
        notification_deliver.delay(row.pk)

    for number in held:
        # The server has the message and the worker waits for its reply, connection open.
        assert smtp_server.held(number), worker.log_tail()
        assert _terminate_connections_of(worker) >= 1, worker.log_tail()
        smtp_server.let_go(number)

    sent = Notification.objects.filter(
        pk__in=[row.pk for row in rows], email_status=DeliveryStatus.SENT
    )
    assert wait_until(lambda: sent.count() == expected, timeout=60), (
        list(Notification.objects.values_list("email_status", flat=True)),
        worker.log_tail(),
    )
    assert "marking it sent failed" in worker.log_tail(400)  # the kills did hit a mark-sent
    # Past the lease: a row left "sending" would be sent again now.
    time.sleep(3.5)
    assert notifications_sweep() == 0
    time.sleep(1)  # room for a duplicate to show up, if there were one

    ids = Counter(item.message["Message-ID"] for item in smtp_server.accepted)
    delivered = len(ids)
    duplicated = sum(ids.values()) - delivered
    lost = {message_id(row) for row in Notification.objects.filter(pk__in=[r.pk for r in rows])}
    lost -= set(ids)
    assert (expected, delivered, duplicated, len(lost)) == (expected, expected, 0, 0), (
        ids,
        worker.log_tail(),
    )
    assert all(
        row.email_attempts == 1
        for row in Notification.objects.filter(pk__in=[row.pk for row in rows])
    )


@pytest.mark.django_db
def test_an_email_carries_a_message_id_of_its_own_that_is_the_same_at_every_attempt(
    smtp_server: RecordingSMTPHandler, reporter, outsider, settings
) -> None:
    settings.SITE_URL = "https://flagpost.example.org"
    first = _outbox_row(reporter, email_due_at=timezone.now())
    second = _outbox_row(outsider, email_due_at=timezone.now())

    assert notification_deliver(first.pk) == "sent"
    assert notification_deliver(second.pk) == "sent"
    # Sent again, as the sweeper would after a lost "sent" mark: the same Message-ID.
    Notification.objects.filter(pk=first.pk).update(
        email_status=DeliveryStatus.PENDING, email_due_at=timezone.now()
    )
    assert notification_deliver(first.pk) == "sent"

    ids = [item.message["Message-ID"] for item in smtp_server.accepted]
    assert ids[0] == ids[2] == message_id(first) != ids[1] == message_id(second)
    assert ids[0].startswith(f"<notification-{first.pk}.")
    assert ids[0].endswith("@flagpost.example.org>")


# --- 7. Batches over one connection ------------------------------------------------------


@pytest.mark.django_db
def test_a_batch_is_sent_over_one_connection_to_the_mail_server(
    smtp_server: RecordingSMTPHandler, reporter, outsider
) -> None:
    rows = [_outbox_row(person, email_due_at=timezone.now()) for person in (reporter, outsider) * 3]

    assert notifications_deliver([row.pk for row in rows]) == {"sent": 6}

    assert len(smtp_server.accepted) == 6 and smtp_server.connections == 1
    assert {item.message["Message-ID"] for item in smtp_server.accepted} == {
        message_id(row) for row in rows
    }
    # The batch again, as a redelivered message would: nothing is claimed, nothing sent.
    assert notifications_deliver([row.pk for row in rows]) == {"not claimed": 6}
    assert len(smtp_server.accepted) == 6
    # One email a task, by contrast, is a connection each.
    for person in (reporter, outsider):
        assert notification_deliver(_outbox_row(person, email_due_at=timezone.now()).pk) == "sent"
    assert smtp_server.connections == 3


@pytest.mark.django_db
def test_a_batch_the_mail_server_fails_part_way_sends_each_email_once(
    smtp_server: RecordingSMTPHandler, reporter
) -> None:
    rows = [_outbox_row(reporter, email_due_at=timezone.now()) for _ in range(4)]
    smtp_server.refuse = {2}

    outcomes = notifications_deliver([row.pk for row in rows])

    assert outcomes == {"sent": 1, "will retry": 1, "not tried": 2}
    first, refused, *untried = Notification.objects.filter(pk__in=[r.pk for r in rows]).order_by(
        "pk"
    )
    assert first.email_status == DeliveryStatus.SENT
    # The refused one waits for its backoff; the two never tried are given back, uncounted.
    assert refused.email_status == DeliveryStatus.PENDING and refused.email_attempts == 1
    assert refused.email_due_at > timezone.now() + dt.timedelta(seconds=30)
    for row in untried:
        assert (row.email_status, row.email_attempts) == (DeliveryStatus.PENDING, 0)
        assert row.email_due_at <= timezone.now()
    # The sweeper sends the untried ones at its next run (tasks run eagerly here), then the
    # refused one once its backoff is over: each once, under its own Message-ID.
    assert notifications_sweep() == 2
    Notification.objects.filter(pk=refused.pk).update(email_due_at=timezone.now())
    assert notifications_sweep() == 1
    assert notifications_sweep() == 0
    ids = Counter(item.message["Message-ID"] for item in smtp_server.accepted)
    assert ids == Counter({message_id(row): 1 for row in rows})
    assert set(
        Notification.objects.filter(pk__in=[r.pk for r in rows]).values_list(
            "email_status", flat=True
        )
    ) == {DeliveryStatus.SENT}
