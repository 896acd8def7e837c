"""Producing a stored document: claim it, render it, store it, mark it ready.

Every rendered document (a case summary, a committee pack, the letters to
come) is a row with a ``status`` (queued, rendering, ready, failed),
``started_at``, ``completed_at``, a private ``file``, its ``sha256``, ``size``
and an ``error``; a worker task calls ``document_produce`` with the row's id.
The claim is a conditional UPDATE, so a retried or duplicated task renders
nothing twice; the file's name is fixed by the row, so a retry never leaves a
second file.

Nothing is lost for good: a beat task calls ``documents_sweep`` for each kind
of document, which queues again a row whose message never reached the broker
(Redis down or flushed) and a row whose render lease ran out (its worker
died). A message redelivered because the pool child running it was killed
takes its own claim back at once instead of waiting for the lease.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from celery import Task
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    connection,
    models,
    transaction,
)
from django.db.models import Q
from django.utils import timezone

log = logging.getLogger(__name__)

# The status values every document model's TextChoices use.
QUEUED = "queued"
RENDERING = "rendering"
READY = "ready"
FAILED = "failed"

# Produced once, not claimed again, and what each call said it did.
NOT_CLAIMED = "not claimed"

# Marking a stored document ready survives a dropped connection: tried this many
# times, on a fresh connection each time, waiting 0.5, 1, 2, 4 s in between.
MARK_ATTEMPTS = 5
MARK_BACKOFF_SECONDS = 0.5

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    # More of the row's columns to set when it is marked ready (a summary's fingerprint).
    ready_fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Claim:
    """Who asks to render: the task's id, and whether its message was delivered before.

    ``token`` is kept on the row (in ``claim_field``) while it renders, so a
    redelivery of the same message, whose pool child was killed mid-render,
    takes its own claim back. Without a claim column, a message the broker
    marks ``redelivered`` may take over a render still inside its lease: with
    late acknowledgement it comes back only when the worker running it died.
    """

    token: str = ""
    redelivered: bool = False


def claim_of(task: Task) -> Claim:
    """The claim of the message a bound task is running: its id, and whether it came back."""
    request = task.request
    delivery = request.delivery_info or {}
    return Claim(token=request.id or "", redelivered=bool(delivery.get("redelivered")))


def document_produce(
    documents: models.QuerySet[M],
    *,
    pk: int,
    render: Callable[[M], Rendered],
    file_name: str,
    lease: dt.timedelta,
    now: dt.datetime | None = None,
    on_ready: Callable[[M], None] | None = None,
    claim: Claim | None = None,
    claim_field: str | None = None,
    due_field: str | None = None,
) -> str:
    """Render and store one document at most once; "ready", "failed" or "not claimed".

    A row being rendered is claimed again once its ``lease`` has run out (the
    worker that had it died), or at once by the message that holds it (see
    ``Claim``). A render that raises marks the row failed with the error's
    message (a bad document must not poison the queue; the person who asked
    sees it failed). ``on_ready`` runs in the transaction that marks the row
    ready, and only if this call did. ``due_field`` is the indexed column the
    sweeper reads: set to the end of the lease while rendering, cleared when
    done.
    """
    now = now or timezone.now()
    claim = claim or Claim()
    claimable = Q(status=QUEUED) | Q(status=RENDERING, started_at__lt=now - lease)
    if claim_field and claim.token:
        claimable |= Q(status=RENDERING, **{claim_field: claim.token})
    elif claim.redelivered and not claim_field:
        claimable |= Q(status=RENDERING)
    taken: dict[str, Any] = {"status": RENDERING, "started_at": now}
    if claim_field:
        taken[claim_field] = claim.token
    if due_field:
        taken[due_field] = now + lease
    if not documents.filter(claimable, pk=pk).update(**taken):
        return NOT_CLAIMED
    document = documents.get(pk=pk)
    # Only the holder of this claim may finish it: a takeover after the lease wins.
    mine = Q(pk=pk, status=RENDERING, started_at=now)
    try:
        rendered = render(document)
    except Exception as error:
        log.exception("%s %s could not be rendered", documents.model._meta.verbose_name, pk)
        failed: dict[str, Any] = {"status": FAILED, "error": str(error)[:2000]}
        if due_field:
            failed[due_field] = None
        documents.filter(mine).update(**failed)
        return FAILED
    file = document.file  # type: ignore[attr-defined]
    name = file.field.generate_filename(document, file_name)
    if file.storage.exists(name):
        file.storage.delete(
            name
        )  # a half-written file from a worker that died; the name is this row's alone
    stored = file.storage.save(name, ContentFile(rendered.pdf))
    ready: dict[str, Any] = {
        "status": READY,
        "file": stored,
        "sha256": hashlib.sha256(rendered.pdf).hexdigest(),
        "size": len(rendered.pdf),
        **rendered.ready_fields,
    }
    if due_field:
        ready[due_field] = None

    def mark() -> int:
        with transaction.atomic():
            done = documents.filter(mine).update(completed_at=timezone.now(), **ready)
            if done and on_ready is not None:
                on_ready(document)
        return done

    try:
        done = _on_a_fresh_connection_if_lost(mark)
    except DatabaseError:
        # The row stays "rendering" and the sweeper renders it again after the
        # lease; a file no row points to must not stay behind meanwhile.
        log.exception("%s %s stored but not marked ready", documents.model._meta.verbose_name, pk)
        file.storage.delete(stored)
        raise
    if not done:
        # Another worker took the render over after this one's lease ran out; its
        # file has the row's name, so only a file saved under another name is ours.
        if stored != name:
            file.storage.delete(stored)
        return NOT_CLAIMED
    return READY


def _on_a_fresh_connection_if_lost(work: Callable[[], int]) -> int:
    """``work()``, tried again on a new connection when the database connection drops.

    Outside a transaction only: inside one, a new connection would lose what
    the transaction wrote, so the error goes to the caller.
    """
    for attempt in range(MARK_ATTEMPTS):
        try:
            return work()
        except (OperationalError, InterfaceError):
            if connection.in_atomic_block or attempt == MARK_ATTEMPTS - 1:
                raise
            log.warning("Database connection lost marking a document ready; trying again")
            connection.close()
            time.sleep(MARK_BACKOFF_SECONDS * 2**attempt)
    raise AssertionError("unreachable")


def document_requeue(
    documents: models.QuerySet[M],
    *,
    pk: int,
    lease: dt.timedelta | None = None,
    now: dt.datetime | None = None,
    due_field: str | None = None,
    grace: dt.timedelta = dt.timedelta(0),
) -> bool:
    """Queue a failed document again, clearing its error; False if it had not failed.

    Given a ``lease``, a render past it (its worker died) is queued again too.
    """
    now = now or timezone.now()
    again: dict[str, Any] = {"status": QUEUED, "error": "", "started_at": None}
    if due_field:
        again[due_field] = now + grace
    stuck = Q(status=FAILED)
    if lease is not None:
        stuck |= Q(status=RENDERING, started_at__lt=now - lease)
    return bool(documents.filter(stuck, pk=pk).update(**again))


def render_lease() -> dt.timedelta:
    """A render claimed longer ago than this belongs to a worker that died."""
    return dt.timedelta(seconds=settings.DOCUMENT_RENDER_LEASE_SECONDS)


def queue_grace() -> dt.timedelta:
    """A document still queued this long after it was asked for lost its message."""
    return dt.timedelta(seconds=settings.DOCUMENT_QUEUE_GRACE_SECONDS)


class Tracked(Protocol):
    status: str
    requested_at: dt.datetime
    started_at: dt.datetime | None
    due_at: dt.datetime | None


def document_slow(document: Tracked, *, now: dt.datetime | None = None) -> bool:
    """Whether a document not yet ready or failed is taking longer than it should.

    Then the page says so and offers to start it again; asking again sends its
    message again (the claim keeps a live render from being done twice).
    """
    if document.status not in (QUEUED, RENDERING):
        return False
    # Queued again after a failure, it counts from then, not from the first request.
    queued_at = document.due_at - queue_grace() if document.due_at else document.requested_at
    since = max(document.requested_at, queued_at)
    if document.status == RENDERING and document.started_at:
        since = document.started_at
    slow_after = dt.timedelta(seconds=settings.DOCUMENT_SLOW_AFTER_SECONDS)
    return (now or timezone.now()) - since > slow_after


def documents_sweep(
    documents: models.QuerySet[M],
    *,
    publish: Callable[[int], object],
    lease: dt.timedelta,
    grace: dt.timedelta,
    due_field: str | None = None,
    now: dt.datetime | None = None,
    limit: int = 200,
) -> int:
    """Send again the message of every document that is due; how many were sent.

    Due is queued for longer than ``grace`` (its message was lost: the broker
    was down or flushed, and the on-commit publish swallowed the error) or
    rendering past its ``lease`` (its worker died). With a ``due_field``
    (an indexed column: when to look again) the cost grows with what is due,
    and each row is claimed with a conditional UPDATE that moves it on by
    ``grace``, so two beats running side by side send one message, not two.
    A message sent twice is still rendered once (``document_produce`` claims).
    """
    now = now or timezone.now()
    if due_field:
        due = list(
            documents.filter(**{f"{due_field}__lte": now})
            .order_by(due_field)
            .values_list("pk", due_field)[:limit]
        )
    else:
        due = list(
            documents.filter(
                Q(status=QUEUED, requested_at__lt=now - grace)
                | Q(status=RENDERING, started_at__lt=now - lease)
            )
            .order_by("pk")
            .values_list("pk", "pk")[:limit]
        )
    sent = 0
    for pk, seen in due:
        if due_field and not documents.filter(pk=pk, **{due_field: seen}).update(
            **{due_field: now + grace}
        ):
            continue  # another sweep took it
        try:
            publish(pk)
        except Exception:  # noqa: BLE001 - the broker is down: the next sweep tries again
            log.warning("Could not queue %s %s", documents.model._meta.verbose_name, pk)
            continue
        sent += 1
    return sent
