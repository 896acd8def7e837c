from __future__ import annotations

from celery import shared_task

from summaries.services import summary_produce


@shared_task(ignore_result=True)
def summary_render_task(summary_id: int) -> str:
    return summary_produce(summary_id=summary_id)
