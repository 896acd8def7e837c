"""The retention schedule: how long a closed case keeps its personal details.

The period depends on how the case closed, and for a recorded outcome on the
outcome; it is counted in calendar years from the day the case closed. The
years are ``settings.RETENTION_YEARS`` (defaults and their basis in the README).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q

from casework.models import Case, CaseState, Closure, Outcome

# Every kind of closure the schedule knows, in the order the README and the admin list them.
# A recorded outcome is scheduled by the outcome itself.
RETENTION_KINDS: dict[str, str] = {
    Closure.WITHDRAWN.value: Closure.WITHDRAWN.label,
    Closure.DISMISSED.value: Closure.DISMISSED.label,
    Closure.RESOLVED_INFORMALLY.value: Closure.RESOLVED_INFORMALLY.label,
    **{outcome.value: f"Outcome: {outcome.label}" for outcome in Outcome},
}


def retention_kind(closure: str, outcome: str) -> str:
    return outcome if closure == Closure.OUTCOME else closure


def retention_years(kind: str) -> int | None:
    return settings.RETENTION_YEARS.get(kind)


def years_after(moment: dt.datetime, years: int) -> dt.datetime:
    """The same day and time ``years`` later (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def retention_until(case: Case) -> dt.datetime | None:
    """When a closed case's personal details fall due for removal (None while it is open)."""
    if case.state != CaseState.CLOSED or case.closed_at is None:
        return None
    years = retention_years(retention_kind(case.closure, case.outcome))
    return years_after(case.closed_at, years) if years is not None else None


def due_for_removal(now: dt.datetime) -> Q:
    """Closed cases whose period has run out by ``now``: one condition per kind of closure.

    Read through the partial index on (closure, closed_at) of cases not yet
    anonymised; legal holds are the caller's business.
    """
    due = Q(pk__in=[])
    for kind in RETENTION_KINDS:
        years = retention_years(kind)
        if years is None:
            continue  # the system check refuses a schedule with a kind missing
        # Closed on or before this moment means the period has run out by now.
        cutoff = years_after(now, -years)
        if kind in Outcome.values:
            due |= Q(closure=Closure.OUTCOME, outcome=kind, closed_at__lte=cutoff)
        else:
            due |= Q(closure=kind, closed_at__lte=cutoff)
    return Q(state=CaseState.CLOSED, anonymised_at__isnull=True) & due
