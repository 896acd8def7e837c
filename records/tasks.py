from __future__ import annotations

from celery import shared_task

from records.services import retention_apply, retention_month_claim


@shared_task(ignore_result=True)
def retention_monthly() -> int | None:
    """Sent daily; applies the retention schedule on the first of those days in each calendar month."""
    run = retention_month_claim()
    if run is None:
        return None
    retention_apply(now=run.started_at, run=run)
    return run.pk
