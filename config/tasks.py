"""The base class of every Flagpost task."""

from __future__ import annotations

import logging
from typing import Any

from celery.contrib.django.task import DjangoTask
from django.db import IntegrityError, transaction
from django.db.models import F

log = logging.getLogger(__name__)


class BoundedDeliveryTask(DjangoTask):
    """A task that gives up after ``max_deliveries`` starts of the same message.

    With late acknowledgement a message whose worker dies is delivered again.
    That is what we want after a crash, but a message that itself kills the
    worker (out of memory, a native crash) would come back for ever; counting
    starts per task id in the database bounds it.

    Only a redelivered message is counted, so a first delivery (nearly all of them) costs no
    query. The broker says which is which: kombu's Redis transport marks every message it puts
    back on the queue (a dead worker's, after the visibility timeout; a lost pool child's, at
    once) ``redelivered`` in its delivery info, and Celery hands that to the task's request. Its
    first start is then counted too, so the bound is the same as counting every start.
    """

    abstract = True
    max_deliveries = 3

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        task_id = getattr(self.request, "id", None)
        if task_id and not self.request.is_eager and _redelivered(self.request):
            deliveries = _delivery_count(task_id, self.name, first=2)
            if deliveries > self.max_deliveries:
                log.error(
                    "Giving up on %s[%s]: started %s times without finishing.",
                    self.name,
                    task_id,
                    deliveries,
                )
                return None
        return super().__call__(*args, **kwargs)


def _redelivered(request: Any) -> bool:
    return bool((getattr(request, "delivery_info", None) or {}).get("redelivered"))


def _delivery_count(task_id: str, task_name: str, *, first: int = 1) -> int:
    """Count one more start of the message ``task_id``; ``first`` is the count of a message not seen yet."""
    from notifications.models import TaskDelivery

    for _ in range(2):
        try:
            with transaction.atomic():
                updated = TaskDelivery.objects.filter(pk=task_id).update(
                    deliveries=F("deliveries") + 1
                )
                if not updated:
                    TaskDelivery.objects.create(
                        task_id=task_id, task_name=task_name[:200], deliveries=first
                    )
                return TaskDelivery.objects.get(pk=task_id).deliveries
        except IntegrityError:
            continue  # another worker created it at the same moment; count again
    return first
