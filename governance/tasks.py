from __future__ import annotations

from celery import Task, shared_task

from documents.produce import claim_of
from governance.rollup import rollup_refresh
from governance.services import pack_produce, pack_quarterly_due, packs_sweep


@shared_task(ignore_result=True)
def governance_counts_refresh() -> int:
    """Count recently changed cases, so reading the figures finds little left to do."""
    return rollup_refresh()


@shared_task(bind=True, ignore_result=True)
def committee_pack_task(self: Task, pack_id: int) -> str:
    return pack_produce(pack_id=pack_id, claim=claim_of(self))


@shared_task(ignore_result=True)
def committee_packs_sweep() -> int:
    """Queue again the packs whose message was lost or whose worker died."""
    return packs_sweep()


@shared_task(ignore_result=True)
def committee_pack_quarterly() -> int | None:
    pack = pack_quarterly_due()
    return pack.pk if pack else None
