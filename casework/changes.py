"""Telling reporting that cases changed, through the ``CaseChange`` outbox.

The core never imports reporting: each service that changes what a case
reports (its state, dates, flags, directorate, principles, reports or
deadlines) calls ``cases_changed`` inside its own transaction, and reporting
drains the outbox before it computes figures and on a beat schedule.
"""

from __future__ import annotations

from collections.abc import Iterable

from casework.models import CaseChange


def cases_changed(case_ids: Iterable[int | None]) -> None:
    """Mark cases whose reported facts may have changed. Call inside the writing transaction."""
    ids = {pk for pk in case_ids if pk is not None}
    if ids:
        # A case already marked keeps its row: reporting reads the case as it is when it drains.
        CaseChange.objects.bulk_create(
            [CaseChange(case_id=pk) for pk in ids], ignore_conflicts=True
        )
