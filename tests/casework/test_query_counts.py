"""The queue and the case page cost a fixed number of queries, however many rows there are.

The numbers are pinned: a change that adds a query per row (an N+1) fails
here, and so does one that adds a query per page — change the pin on purpose.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import Case, CaseEvent, CaseState, EventKind, Finding, HandleLink
from casework.views import REPORTS_SHOWN, TIMELINE_SHOWN
from directory.models import User
from incidents.models import Answer, Platform, PosterKind, Report
from tests.factories import (
    Cast,
    EvidenceLinkFactory,
    PolicyVersionFactory,
    UserFactory,
    case_in_state,
    evidence_file_make,
    report_make,
)

pytestmark = pytest.mark.django_db

# Both start with the session, the user, the user's roles and the unread-notifications badge
# (4 queries), and read the cases about the viewer once for every scope on the page (1). The
# queue then counts its cases for the paginator and fetches one page of them.
QUEUE_QUERIES = 7
# The case page: the cases about the viewer (once); the case with its poster; the other people
# named on it (one query by id); reports; the shown
# reports' links; their files; the principles with their investigating policy and version; the
# policy versions in force with their policy; findings with their principle; the timeline; the
# deadlines; handle links both ways; related cases; the case's PDF summaries; and the unread
# badge. Then the audit row of the view: lock the chain head, insert the row, move the head on
# (3). Then, for those who manage legal holds, the hold in force. "May add a note" and "may
# place a hold" ask no query: the case was just read through the viewer's scope.
CASE_PAGE_QUERIES = 23


def _cases_bulk(count: int, *, reporter: User, poster: User) -> None:
    """``count`` cases in the queue, each with a report, in two INSERTs."""
    now = timezone.now()
    states = [CaseState.NEW, CaseState.TRIAGE, CaseState.INVESTIGATION]
    cases = Case.objects.bulk_create(
        Case(
            reference=f"SMP-2025-{n:05d}",
            state=states[n % len(states)],
            poster=poster if n % 2 else None,
            flag_safeguarding=n % 5 == 0,
        )
        for n in range(count)
    )
    Report.objects.bulk_create(
        Report(
            reference=case.reference,
            case=case,
            reporter=reporter,
            platform=Platform.INSTAGRAM,
            seen_at=now - dt.timedelta(hours=1),
            description="A post.",
            poster_kind=PosterKind.UNKNOWN,
            shows_patient=Answer.NO,
            welfare_risk=Answer.NO,
        )
        for case in cases
    )


@pytest.mark.parametrize("cases", [60, 1_000])
def test_the_triage_queue_costs_the_same_at_60_and_1000_cases(
    login, django_assert_num_queries, triage_officer, reporter, poster, cases: int
) -> None:
    _cases_bulk(cases, reporter=reporter, poster=poster)
    client = login(triage_officer)
    url = reverse("casework:triage_queue")

    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get(url)

    assert response.status_code == 200
    in_queue = Case.objects.filter(state__in=[CaseState.NEW, CaseState.TRIAGE]).count()
    assert len(response.context["page"].object_list) == min(in_queue, 25)


def test_a_queue_that_fits_on_one_page_is_counted_from_the_page(
    login, django_assert_num_queries, triage_officer, reporter, poster
) -> None:
    _cases_bulk(10, reporter=reporter, poster=poster)
    client = login(triage_officer)

    with django_assert_num_queries(QUEUE_QUERIES - 1):
        response = client.get(reverse("casework:triage_queue"))

    in_queue = Case.objects.filter(state__in=[CaseState.NEW, CaseState.TRIAGE]).count()
    assert response.context["total"].number == in_queue == len(response.context["page"])


def _rich_case(cast: Cast, *, reports: int, events: int) -> Case:
    """A case with all its page shows: reports, links, files, principles, findings, events."""
    case = case_in_state(CaseState.DECISION, cast, principles=3)
    case.policy_versions.set([PolicyVersionFactory(), PolicyVersionFactory()])
    case.poster_handle = "@ward_paul"
    case.save(update_fields=["poster_handle"])
    HandleLink.objects.create(handle="ward_paul", user=cast.poster, linked_by=cast.triage_officer)
    for n in range(reports - 1):
        report = report_make(
            case=case,
            reporter=UserFactory(),
            confidential=n % 2 == 0,
            reference=f"{case.reference}-{n + 2}",
        )
        report.principles.set(case.principles.all())
        EvidenceLinkFactory(report=report)
        EvidenceLinkFactory(report=report)
        evidence_file_make(report=report)
    existing = CaseEvent.objects.filter(case=case).count()
    people = [cast.triage_officer, cast.reporter, cast.investigator, cast.line_manager, None]
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case=case,
            kind=EventKind.NOTE,
            actor=people[n % len(people)],
            note=f"Note {n}.",
            to_state=case.state,
        )
        for n in range(events - existing)
    )
    assert CaseEvent.objects.filter(case=case).count() == events
    assert Finding.objects.filter(case=case).count() == 3
    return case


@pytest.mark.parametrize(
    ("other_cases", "reports", "events"),
    [(10, 2, 2), (10, 2, 30), (10, 8, 30), (1_000, 2, 2), (1_000, 8, 30)],
)
def test_the_case_page_costs_the_same_however_much_is_on_it(
    login, django_assert_num_queries, cast, hr_lead, other_cases: int, reports: int, events: int
) -> None:
    _cases_bulk(other_cases, reporter=cast.reporter, poster=cast.poster)
    case = _rich_case(cast, reports=reports, events=events)
    client = login(hr_lead)
    url = reverse("casework:case_detail", args=[case.reference])

    with django_assert_num_queries(CASE_PAGE_QUERIES):
        response = client.get(url)

    assert response.status_code == 200
    # The page shows the first few reports and the latest events; the rest are a link away.
    assert len(response.context["reports"]) == min(reports, REPORTS_SHOWN)
    assert response.context["reports_total"] == reports
    assert len(response.context["events"]) == min(events, TIMELINE_SHOWN)
    assert response.context["earlier_events"] == (events > TIMELINE_SHOWN)
    assert len(response.context["files"]) == reports
