from __future__ import annotations

from celery import Task, shared_task

from documents.produce import claim_of
from summaries.services import summaries_sweep, summary_produce


@shared_task(bind=True, ignore_result=True)
def summary_render_task(self: Task, summary_id: int) -> str:
    return summary_produce(summary_id=summary_id, claim=claim_of(self))


@shared_task(ignore_result=True)
def summaries_sweep_task() -> int:
    """Queue again the summaries whose message was lost or whose worker died."""
    return summaries_sweep()
