from __future__ import annotations

from celery import shared_task

from governance.rollup import rollup_refresh
from governance.services import pack_produce, pack_quarterly_due


@shared_task(ignore_result=True)
def governance_counts_refresh() -> int:
    """Count recently changed cases, so reading the figures finds little left to do."""
    return rollup_refresh()


@shared_task(ignore_result=True)
def committee_pack_task(pack_id: int) -> str:
    return pack_produce(pack_id=pack_id)


@shared_task(ignore_result=True)
def committee_pack_quarterly() -> int | None:
    pack = pack_quarterly_due()
    return pack.pk if pack else None
