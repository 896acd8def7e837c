"""Producing a stored document: claim it, render it, store it, mark it ready.

Every rendered document (a case summary, a committee pack) is a row with a
``status`` (queued, rendering, ready, failed), ``started_at``, ``completed_at``,
a private ``file``, its ``sha256``, ``size`` and an ``error``; a worker task
calls ``document_produce`` with the row's id. The claim is a conditional UPDATE,
so a retried or duplicated task renders nothing twice; the file's name is fixed
by the row, so a retry never leaves a second file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.files.base import ContentFile
from django.db import models, transaction
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

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    # More of the row's columns to set when it is marked ready (a summary's fingerprint).
    ready_fields: Mapping[str, Any] = field(default_factory=dict)


def document_produce(
    documents: models.QuerySet[M],
    *,
    pk: int,
    render: Callable[[M], Rendered],
    file_name: str,
    lease: dt.timedelta,
    now: dt.datetime | None = None,
    on_ready: Callable[[M], None] | None = None,
) -> str:
    """Render and store one document at most once; "ready", "failed" or "not claimed".

    A row being rendered is claimed again only once its ``lease`` has run out: the
    worker that had it died. A render that raises marks the row failed with the
    error's message (a bad document must not poison the queue; the person who
    asked sees it failed). ``on_ready`` runs in the transaction that marks the row
    ready, and only if this call did.
    """
    now = now or timezone.now()
    claimed = documents.filter(
        Q(status=QUEUED) | Q(status=RENDERING, started_at__lt=now - lease), pk=pk
    ).update(status=RENDERING, started_at=now)
    if not claimed:
        return NOT_CLAIMED
    document = documents.get(pk=pk)
    try:
        rendered = render(document)
    except Exception as error:
        log.exception("%s %s could not be rendered", documents.model._meta.verbose_name, pk)
        documents.filter(pk=pk).update(status=FAILED, error=str(error)[:2000])
        return FAILED
    file = document.file  # type: ignore[attr-defined]
    name = file.field.generate_filename(document, file_name)
    if file.storage.exists(name):
        file.storage.delete(
            name
        )  # a half-written file from a worker that died; the name is this row's alone
    stored = file.storage.save(name, ContentFile(rendered.pdf))
    with transaction.atomic():
        done = documents.filter(pk=pk, status=RENDERING).update(
            status=READY,
            file=stored,
            sha256=hashlib.sha256(rendered.pdf).hexdigest(),
            size=len(rendered.pdf),
            completed_at=timezone.now(),
            **rendered.ready_fields,
        )
        if done and on_ready is not None:
            on_ready(document)
    return READY


def document_requeue(documents: models.QuerySet[M], *, pk: int) -> bool:
    """Queue a failed document again, clearing its error; False if it had not failed."""
    return bool(documents.filter(pk=pk, status=FAILED).update(status=QUEUED, error=""))
