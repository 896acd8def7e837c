"""Email delivery. Tasks take ids, claim the row, and are safe to run twice."""

from __future__ import annotations

import datetime as dt
import logging
import random
import smtplib
import socket
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from urllib.parse import urlsplit

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from notifications.models import DeliveryStatus, Notification, TaskDelivery
from notifications.rendering import (
    notification_render_bodies,
    render_context_load,
    send_time_context,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6

# After the SMTP server has accepted a message, marking it sent is retried on a fresh
# database connection this many times, waiting 0.5, 1, 2, 4 … 16 s (31.5 s in all): a
# database restart, failover or pooler restart is over by then. Only if the database stays
# unreachable for longer is the row left "sending", for the sweeper to send again after
# the lease, under the same Message-ID (README, "Notifications").
MARK_SENT_ATTEMPTS = 7
MARK_SENT_FIRST_WAIT = 0.5


def _claim_lease() -> dt.timedelta:
    # A claim older than this belongs to a worker that died mid-send.
    return dt.timedelta(seconds=settings.NOTIFICATION_CLAIM_LEASE_SECONDS)


TRANSIENT_ERRORS = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPResponseException,
    socket.timeout,
    ConnectionError,
    OSError,
)


def _abandoned(now: dt.datetime, *, attempts_left: bool) -> Q:
    """Claims whose lease ran out (their worker died mid-send), with or without attempts left.

    Each sweep queues a new message for such a claim, so the per-message bound of
    BoundedDeliveryTask can't stop an email that kills its worker: the attempt count does.
    """
    attempts = (
        Q(email_attempts__lt=MAX_ATTEMPTS) if attempts_left else Q(email_attempts__gte=MAX_ATTEMPTS)
    )
    return (
        Q(email_status=DeliveryStatus.SENDING, email_claimed_at__lt=now - _claim_lease()) & attempts
    )


def _backoff(attempt: int) -> dt.timedelta:
    # Exponential with jitter, so a recovering mail server isn't hit in step.
    seconds = min(60 * 2 ** (attempt - 1), 3600)
    return dt.timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def message_id(notification: Notification) -> str:
    """The notification's own ``Message-ID``: the same at every attempt, so a resend is recognisable.

    Built like ``email.utils.make_msgid`` (``<left@domain>``) but from the row instead of the
    clock and a random number; the keyed hash makes it unguessable and different in every
    installation that has a row of the same number.
    """
    digest = salted_hmac(
        "notifications.message_id", f"{notification.pk}:{notification.created_at.isoformat()}"
    ).hexdigest()[:16]
    return f"<notification-{notification.pk}.{digest}@{_message_id_domain()}>"


def _message_id_domain() -> str:
    host = urlsplit(settings.SITE_URL).hostname
    if not host:
        host = next((name.lstrip(".") for name in settings.ALLOWED_HOSTS if name != "*"), "")
    return host or "flagpost.invalid"


# The statement is written out: it runs once an email, and building it through the ORM cost
# a good part of its time.
_MARK_SENT = (
    f'UPDATE "{Notification._meta.db_table}" SET email_status = %s, email_sent_at = %s, '
    "email_due_at = NULL, email_error = '' WHERE id = %s"
)


def _mark_sent(notification_id: int) -> None:
    """Record an accepted message as sent, on a fresh connection if the old one broke.

    The SMTP server has the message, so losing this write means the sweeper sends it again
    after the lease. A connection that broke while the worker waited for the server is closed
    and reopened; the write is an idempotent UPDATE, so retrying it is safe.

    Each email is marked on its own, at once, so a worker that dies mid-batch leaves only the
    unsent ones. The UPDATE is one statement in autocommit (one round trip to the database),
    and inside a batch it doesn't wait for the disk (``_commits_not_waiting_for_disk``).
    """
    wait = MARK_SENT_FIRST_WAIT
    for attempt in range(1, MARK_SENT_ATTEMPTS + 1):
        try:
            # Not in a transaction of its own: a single UPDATE commits by itself.
            with connection.cursor() as cursor:
                cursor.execute(_MARK_SENT, [DeliveryStatus.SENT, timezone.now(), notification_id])
            return
        except (OperationalError, InterfaceError) as error:
            if connection.in_atomic_block:
                raise  # the caller's transaction is gone with the connection: it must decide
            # Closed, not reused: Django keeps a broken connection until it is closed.
            connection.close()
            if attempt == MARK_SENT_ATTEMPTS:
                log.error(
                    "notification %s was accepted by the mail server but could not be marked "
                    "sent after %s attempts; the sweeper will send it again: %s",
                    notification_id,
                    attempt,
                    error,
                )
                raise
            log.warning(
                "notification %s accepted by the mail server; marking it sent failed "
                "(attempt %s), retrying in %.1f s: %s",
                notification_id,
                attempt,
                wait,
                error,
            )
            time.sleep(wait)
            wait *= 2


@contextmanager
def _commits_not_waiting_for_disk() -> Iterator[None]:
    """While a batch is sent, its "sent" marks (and any give-backs) don't wait for the disk.

    On PostgreSQL, ``synchronous_commit`` off for this connection until the batch ends: a commit
    is the server's as soon as it returns, whatever happens to the worker, and only the database
    server itself crashing in the next fraction of a second could lose it (README, "Nothing
    lost, nothing sent twice"). Waiting for the disk for every email was most of the cost of
    sending one. The claim before the batch still waits for it. A connection replaced mid-batch
    (``_mark_sent``) is a new session with the default, which is only slower. Inside a caller's
    transaction (a task run eagerly) nothing is changed.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
        except (OperationalError, InterfaceError):
            # The connection broke: closed, so the next task starts a new session.
            connection.close()


# What sending reads: the whole row, and of its recipient and case what the email templates
# use (anything else a template asks for is loaded when it does). A case's state comes too: the
# state machine reads it whenever a case is loaded.
_SENDING_FIELDS = (
    *(field.name for field in Notification._meta.concrete_fields),
    "recipient__email",
    "recipient__first_name",
    "case__reference",
    "case__state",
)


def _claim(notification_ids: Sequence[int], *, now: dt.datetime) -> list[Notification]:
    """Take the rows of ``notification_ids`` that are free to send, in one transaction.

    Only one worker turns PENDING (or an expired SENDING claim) into its own SENDING: the rows
    are locked as they are read, skipping any another worker holds, and the UPDATE repeats the
    condition. A retry, a duplicate message or the sweeper all find nothing to claim once a
    row is taken or sent. A first attempt goes at once; a retry waits for its backoff, even if
    a duplicate message turns up early.
    """
    ready = Q(email_status=DeliveryStatus.PENDING) & (
        Q(email_attempts=0) | Q(email_due_at__lte=now)
    )
    free = ready | _abandoned(now, attempts_left=True)
    with transaction.atomic():
        rows = list(
            Notification.objects.filter(free, pk__in=list(notification_ids))
            .select_related("recipient", "case")
            .only(*_SENDING_FIELDS)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")
        )
        if not rows:
            return []
        claimed = Notification.objects.filter(free, pk__in=[row.pk for row in rows]).update(
            email_status=DeliveryStatus.SENDING,
            email_claimed_at=now,
            email_attempts=F("email_attempts") + 1,
        )
        if claimed != len(rows):
            # The rows are locked, so this can't happen; if it ever does, send nothing.
            raise RuntimeError(f"claimed {claimed} of {len(rows)} locked notifications")
    for row in rows:
        row.email_status, row.email_claimed_at = DeliveryStatus.SENDING, now
        row.email_attempts += 1
    return rows


def _message(notification: Notification, mailer: BaseEmailBackend) -> EmailMultiAlternatives:
    if notification.render_context is not None:
        # The subject was rendered when the row was written; only the bodies are left.
        text, html = notification_render_bodies(
            kind=notification.kind,
            context={
                **render_context_load(notification.render_context),
                "case": notification.case,
                "recipient": notification.recipient,
                "link": notification.link,
                "site_url": settings.SITE_URL,
                **send_time_context(kind=notification.kind, recipient_id=notification.recipient_id),
            },
        )
    else:
        text, html = notification.body_text, notification.body_html
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=text,
        to=[notification.recipient.email],
        headers={
            "Message-ID": message_id(notification),
            "X-Flagpost-Notification": str(notification.pk),
        },
        connection=mailer,
    )
    message.attach_alternative(html, "text/html")
    return message


def _not_sent(notification: Notification, error: Exception) -> str:
    """Back to PENDING after its backoff, or FAILED on its last attempt."""
    attempts = notification.email_attempts
    failed = attempts >= MAX_ATTEMPTS
    Notification.objects.filter(pk=notification.pk, email_status=DeliveryStatus.SENDING).update(
        email_status=DeliveryStatus.FAILED if failed else DeliveryStatus.PENDING,
        email_due_at=None if failed else timezone.now() + _backoff(attempts),
        email_error=f"{type(error).__name__}: {error}"[:2000],
    )
    log.warning("notification %s not sent (attempt %s): %s", notification.pk, attempts, error)
    return "failed" if failed else "will retry"


def _hand_back(
    notifications: Sequence[Notification], error: Exception, outcomes: dict[int, str]
) -> None:
    """Give back the claims of a batch's emails that were never tried: their attempt isn't counted.

    They are due at once, so the sweeper's next run (or a duplicate message) sends them.
    """
    if not notifications:
        return
    outcomes.update(dict.fromkeys((row.pk for row in notifications), "not tried"))
    Notification.objects.filter(
        pk__in=[row.pk for row in notifications], email_status=DeliveryStatus.SENDING
    ).update(
        email_status=DeliveryStatus.PENDING,
        email_attempts=F("email_attempts") - 1,
        email_due_at=timezone.now(),
        email_error=f"Not tried: the mail server failed on an earlier email ({type(error).__name__}).",
    )


def _deliver(notification_ids: Sequence[int]) -> dict[int, str]:
    """Claim, send over one connection to the mail server and mark sent; the outcome of each id.

    Each email is marked sent as soon as the server has accepted it (``_mark_sent``), so a worker
    that dies mid-batch leaves only its unsent claims, for the sweeper after the lease. At the
    first email the server fails (it is down, or dropped the connection), that one is retried
    after its backoff and the batch's untried ones are handed back unclaimed. The batch is bounded
    by the task time limits, which stay under NOTIFICATION_CLAIM_LEASE_SECONDS, so a live worker's
    claims never look abandoned.
    """
    outcomes = dict.fromkeys(notification_ids, "not claimed")
    rows = _claim(notification_ids, now=timezone.now())
    if not rows:
        return outcomes
    mailer = get_connection()
    try:
        try:
            mailer.open()
        except TRANSIENT_ERRORS as error:
            outcomes[rows[0].pk] = _not_sent(rows[0], error)
            _hand_back(rows[1:], error, outcomes)
            return outcomes
        with _commits_not_waiting_for_disk():
            for index, notification in enumerate(rows):
                try:
                    _message(notification, mailer).send()
                except TRANSIENT_ERRORS as error:
                    outcomes[notification.pk] = _not_sent(notification, error)
                    _hand_back(rows[index + 1 :], error, outcomes)
                    return outcomes
                _mark_sent(notification.pk)
                outcomes[notification.pk] = "sent"
    finally:
        mailer.close()
    return outcomes


# The database refusing a delivery task before it claims anything (a dropped connection, a
# failover, SQLite's lock held by another process) is retried with backoff: nothing was taken,
# so the next try starts afresh. After a claim, the lease and the sweeper see it through.
_DATABASE_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 1,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(ignore_result=True, **_DATABASE_RETRY)
def notification_deliver(notification_id: int) -> str:
    """Send one notification's email, at most once."""
    return _deliver([notification_id])[notification_id]


@shared_task(ignore_result=True, **_DATABASE_RETRY)
def notifications_deliver(notification_ids: list[int]) -> dict[str, int]:
    """Send a batch of notifications' emails over one connection to the mail server, each at most once.

    Returns how many ended each way ("sent", "not claimed", "will retry", "failed", "not tried").
    """
    return dict(Counter(_deliver(notification_ids).values()))


@shared_task(ignore_result=True)
def notifications_sweep(limit: int = 500) -> int:
    """Queue every email that is due: lost enqueues, retries after backoff, dead workers' claims."""
    now = timezone.now()
    # A claim abandoned on its last attempt: the send keeps killing its worker, so stop.
    Notification.objects.filter(_abandoned(now, attempts_left=False)).update(
        email_status=DeliveryStatus.FAILED,
        email_due_at=None,
        email_error=f"Gave up: the worker sending it stopped without finishing {MAX_ATTEMPTS} times.",
    )
    due = list(
        Notification.objects.filter(
            Q(email_status=DeliveryStatus.PENDING, email_due_at__lte=now)
            | _abandoned(now, attempts_left=True)
        )
        .order_by("email_due_at")
        .values_list("pk", flat=True)[:limit]
    )
    for notification_id in due:
        notification_deliver.delay(notification_id)
    TaskDelivery.objects.filter(first_at__lt=now - dt.timedelta(days=7)).delete()
    return len(due)


@shared_task(ignore_result=True)
def notifications_digest_send(limit: int = 500) -> int:
    """One email per person whose daily digest is due, listing what they would otherwise have had."""
    from notifications.services import digest_send_for

    now = timezone.now()
    recipients = list(
        Notification.objects.filter(email_status=DeliveryStatus.IN_DIGEST, email_due_at__lte=now)
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()[:limit]
    )
    return sum(
        1 for recipient_id in recipients if digest_send_for(recipient_id=recipient_id, now=now)
    )
