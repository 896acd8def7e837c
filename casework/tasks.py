"""The beat task that sends deadline reminders, overdue alerts and escalations.

It lives with the case rules because they say who owns each clock; the
claiming and the timing are ``deadlines.services``.
"""

from __future__ import annotations

from celery import shared_task

from casework.notices import deadlines_sweep


@shared_task(ignore_result=True)
def deadlines_sweep_task(limit: int = 1000) -> int:
    return deadlines_sweep(limit=limit)
