"""Reads for retention and subject access."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Concat

from casework.models import Case
from directory.models import User
from records.models import LegalHold, SubjectAccessExport
from records.retention import due_for_removal

PLACEHOLDER_EMAIL = "removed-under-retention@flagpost.invalid"
PEOPLE_SEARCH_LIMIT = 25


def cases_due_for_removal(now: dt.datetime) -> QuerySet[Case]:
    """Closed cases past their retention period, not yet anonymised and not on legal hold, oldest first."""
    held = LegalHold.objects.filter(case_id=OuterRef("pk"), lifted_at__isnull=True)
    return (
        Case.objects.filter(due_for_removal(now)).exclude(Exists(held)).order_by("closed_at", "pk")
    )


def legal_hold_in_force(case: Case) -> LegalHold | None:
    return (
        LegalHold.objects.filter(case=case, lifted_at__isnull=True)
        .select_related("placed_by")
        .first()
    )


def people_search(query: str) -> QuerySet[User]:
    """Staff whose name or work email contains the words searched for (leavers included)."""
    people = User.objects.exclude(email=PLACEHOLDER_EMAIL).annotate(
        full_name=Concat("first_name", Value(" "), "last_name")
    )
    for word in query.split():
        people = people.filter(Q(full_name__icontains=word) | Q(email__icontains=word))
    return people.select_related("service__directorate").order_by("last_name", "first_name", "pk")[
        :PEOPLE_SEARCH_LIMIT
    ]


def recent_exports(limit: int = 10) -> QuerySet[SubjectAccessExport]:
    return SubjectAccessExport.objects.select_related("subject", "requested_by")[:limit]
