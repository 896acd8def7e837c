"""The beat task that sends reminders, overdue alerts and escalations."""

from __future__ import annotations

from celery import shared_task

from deadlines.services import deadlines_sweep


@shared_task(ignore_result=True)
def deadlines_sweep_task(limit: int = 1000) -> int:
    return deadlines_sweep(limit=limit)
