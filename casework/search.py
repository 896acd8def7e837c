"""Finding cases by what a triage officer types: a reference, a poster's handle or a poster's name.

Each kind of match is one indexed lookup that gives case ids: a reference (the case's or one
of its reports') by its start, through ``UPPER(reference) text_pattern_ops``; a handle typed on
the case or on a report by any part of it, through a trigram index on the handle's key; a
poster (of the case or of a report) by first and last name, through the directory's name
indexes. The list reads them as arms (``kit.paging``): each in the list's order through its
own index, within the user's scope (``visible_cases``), which the caller applies.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from directory.handles import handle_normalise
from directory.models import User
from directory.people import people_matching
from incidents.models import Report
from kit.paging import among

# Shorter than this, a handle or a name is matched whole: two letters would be part of too many.
PART_MATCH_MIN = 3
# A name shared by more people than this is common (see ``case_search_arms``).
COMMON_NAME = 20


def _people_named(term: str) -> QuerySet | None:
    """Staff whose name or email matches each word of ``term``, as the person picker finds them."""
    if not term.split():
        return None
    return people_matching(User.objects.all(), term).values("pk")


def case_search_arms(term: str) -> list[Q]:
    """The ways a case can match ``term``, one condition each: a case matches when any one holds.

    Given to the list as arms (see ``kit.paging``): each is read in the list's order through its
    own index and the first few of each make the page. A match found through the reports is
    written ``among``: the reports' case ids are found first and the cases read by id, which
    the database would otherwise plan as a walk through every case.
    """
    reference = term.strip().upper()
    arms = [
        Q(reference__istartswith=reference),
        among(
            "pk",
            Report.objects.filter(reference__istartswith=reference).order_by().values("case_id"),
        ),
    ]
    key = handle_normalise(term)
    if key:
        handle = (
            Q(poster_handle_key__contains=key)
            if len(key) >= PART_MATCH_MIN
            else Q(poster_handle_key=key)
        )
        arms += [handle, among("pk", Report.objects.filter(handle).order_by().values("case_id"))]
    people = _people_named(term)
    if people is not None:
        their_reports = Report.objects.filter(poster_id__in=people).order_by().values("case_id")
        # A few people's reports are best found first and their cases read by id; a common name's
        # (hundreds of people, tens of thousands of reports) are best checked while reading the
        # cases in order, which soon meets enough of them for a page.
        common = people[: COMMON_NAME + 1].count() > COMMON_NAME
        arms += [
            Q(poster_id__in=people),
            Q(pk__in=their_reports) if common else among("pk", their_reports),
        ]
    return arms
