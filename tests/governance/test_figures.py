"""The governance figures on the world of conftest.py, every number worked out by hand there."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.models import Case, CaseState
from governance.figures import SUPPRESSED, Filters, Period
from governance.rollup import rollup_refresh
from governance.selectors import (
    cache_version,
    compute_tables,
    governance_cache_bump,
    governance_figures,
    trend_periods,
)
from incidents.models import Platform
from tests.factories import DirectorateFactory, ReportFactory, ServiceFactory, UserFactory
from tests.governance.world import Q1_END, Q1_START, at, make_case

pytestmark = pytest.mark.django_db

Q1 = Filters(start=Q1_START, end=Q1_END, period=Period.QUARTER)
F, X, IG = "Facebook", "X (Twitter)", "Instagram"
OTHER_PLATFORMS = ["YouTube", "LinkedIn", "TikTok", "Flickr", "A blog", "Other"]


def raw(filters: Filters = Q1) -> dict[str, tuple]:
    return {table.key: table.rows for table in compute_tables(filters)}


def published(filters: Filters = Q1) -> dict[str, tuple]:
    return {table.key: table.rows for table in governance_figures(filters).tables}


def test_every_table_by_hand(world):
    tables = raw()
    assert tables["summary"] == (("Reports received", 7), ("Cases opened", 6), ("Cases closed", 4))
    assert tables["by_platform"] == (
        (F, 3),
        (X, 2),
        (IG, 2),
        *((name, 0) for name in OTHER_PLATFORMS),
        ("Total", 7),
    )
    assert tables["by_principle"] == (
        ("Bringing the Trust into disrepute", 2),
        ("Patient confidentiality", 4),
    )
    assert tables["by_directorate"] == (
        ("Medicine", 4),
        ("Surgery", 1),
        ("Not identified", 1),
        ("Total", 6),
    )
    assert tables["by_outcome"] == (
        ("Withdrawn by the reporter", 1),
        ("Dismissed at triage", 1),
        ("Resolved informally by the line manager", 1),
        ("No case to answer", 0),
        ("Informal management", 0),
        ("First written warning", 1),
        ("Final written warning", 0),
        ("Dismissal", 0),
        ("Referral to a professional regulator", 0),
        ("Referral to the police", 0),
        ("Total", 4),
    )
    # Triage: c4 0, c2 1, c1 2, c3 3, c6 4. Closed: c1 5, c4 5, c7 13 (over Christmas), c2 30.
    assert tables["timings"] == (
        ("From report to triage started", 5, 2.0, 4),
        ("From report to closed", 4, 9.0, 30),
    )
    deadlines = {row[0]: row[1:] for row in tables["deadlines_met"]}
    assert deadlines["Triage started"] == (5, 4, 80.0)
    assert deadlines["Decision recorded"] == (1, 0, 0.0)
    assert deadlines["Investigation completed"] == (0, 0, None)
    # Open now: c10 1 working day; c8 7; c6 20 (Easter in between); c5 30; c3 50; c9 over 60.
    assert tables["open_by_age"] == (
        ("Under 5 working days", 1),
        ("5 to 20 working days", 2),
        ("21 to 60 working days", 2),
        ("Over 60 working days", 1),
        ("Total", 6),
    )
    # P1 (three cases) and P3 (one before the period, one in it); P2's second case is after it.
    assert tables["repeat_subjects"] == (("People who are the subject of more than one case", 2),)
    assert tables["flags"] == (
        ("Safeguarding or welfare concern", 2, None, None),
        ("Confidentiality or personal-data breach", 2, 1, 50.0),
    )
    assert tables["policies_expired"] == (
        ("Social Media Policy", "6", "2019-06-29"),
        ("Staff Conduct Guidance", "2", "2026-04-14"),
    )
    trend = tables["trend"]
    assert len(trend) == 12
    assert trend[0] == ("Apr to Jun 2023", 0, 0, 0)
    assert trend[-2] == ("Oct to Dec 2025", 2, 2, 0)
    assert trend[-1] == ("Jan to Mar 2026", 7, 6, 4)


def test_published_figures_are_suppressed(world):
    figures = governance_figures(Q1)
    tables = {table.key: table.rows for table in figures.tables}
    # 7 and 6 go to the nearest 5; every total is rounded on its own.
    assert tables["summary"] == (
        ("Reports received", 5),
        ("Cases opened", 5),
        ("Cases closed", SUPPRESSED),
    )
    assert tables["by_platform"][:3] == ((F, SUPPRESSED), (X, SUPPRESSED), (IG, SUPPRESSED))
    assert tables["by_platform"][-1] == ("Total", 5)
    assert tables["by_directorate"] == (
        ("Medicine", SUPPRESSED),
        ("Surgery", SUPPRESSED),
        ("Not identified", SUPPRESSED),
        ("Total", 5),
    )
    assert tables["timings"] == (
        ("From report to triage started", 5, 2.0, 4),
        ("From report to closed", SUPPRESSED, SUPPRESSED, SUPPRESSED),
    )
    deadlines = {row[0]: row[1:] for row in tables["deadlines_met"]}
    assert deadlines["Triage started"] == (5, SUPPRESSED, SUPPRESSED)
    assert deadlines["Decision recorded"] == (SUPPRESSED, 0, SUPPRESSED)
    assert tables["flags"][1] == (
        "Confidentiality or personal-data breach",
        SUPPRESSED,
        SUPPRESSED,
        SUPPRESSED,
    )
    assert tables["repeat_subjects"] == (
        ("People who are the subject of more than one case", SUPPRESSED),
    )
    assert tables["policies_expired"][0] == ("Social Media Policy", "6", "2019-06-29")
    assert tables["trend"][-1] == ("Jan to Mar 2026", 5, 5, SUPPRESSED)
    assert {table.key: table.chart for table in figures.tables} == {
        "summary": "",
        "by_platform": "bar",
        "by_principle": "bar",
        "by_directorate": "bar",
        "by_outcome": "bar",
        "timings": "",
        "deadlines_met": "",
        "open_by_age": "bar",
        "repeat_subjects": "",
        "flags": "",
        "policies_expired": "",
        "trend": "line",
    }


def test_no_names_references_or_free_text(world):
    cells = {
        str(cell) for table in governance_figures(Q1).tables for row in table.rows for cell in row
    }
    text = " ".join(cells)
    for case in world.cases.values():
        assert case.reference not in text
    for person in world.posters.values():
        assert person.last_name not in text and person.email not in text
    assert "patient's face" not in text


def test_filter_by_directorate(world):
    tables = raw(Filters(start=Q1_START, end=Q1_END, directorate_id=world.medicine.pk))
    assert tables["summary"] == (("Reports received", 5), ("Cases opened", 4), ("Cases closed", 2))
    assert tables["by_platform"][:3] == ((F, 3), (X, 1), (IG, 1))
    assert tables["by_directorate"] == (("Medicine", 4), ("Total", 4))
    assert tables["open_by_age"][:4] == (
        ("Under 5 working days", 0),
        ("5 to 20 working days", 2),
        ("21 to 60 working days", 1),
        ("Over 60 working days", 0),
    )
    assert tables["repeat_subjects"][0][1] == 1  # P1 only
    assert tables["flags"][0][1] == 2 and tables["flags"][1][1] == 1


def test_filter_by_platform(world):
    x = raw(Filters(start=Q1_START, end=Q1_END, platform=Platform.X))
    assert x["summary"] == (("Reports received", 2), ("Cases opened", 2), ("Cases closed", 1))
    assert x["by_directorate"] == (("Medicine", 1), ("Surgery", 1), ("Total", 2))
    assert {row[0]: row[1:] for row in x["deadlines_met"]}["Triage started"] == (2, 2, 100.0)

    # A case counts if any of its reports is on the platform; its timings run from its first report.
    ig = raw(Filters(start=Q1_START, end=Q1_END, platform=Platform.INSTAGRAM))
    assert ig["summary"] == (("Reports received", 2), ("Cases opened", 2), ("Cases closed", 1))
    assert ig["by_platform"][:3] == ((F, 0), (X, 0), (IG, 2))
    assert ig["by_outcome"][5] == ("First written warning", 1)
    assert ig["timings"][1] == ("From report to closed", 1, 30.0, 30)


def test_month_and_custom_trends():
    month = trend_periods(
        Filters(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 15), period=Period.MONTH)
    )
    assert [month[0][0], month[-1][0]] == ["Apr 2025", "Mar 2026"]
    assert month[-1][1:] == (dt.date(2026, 3, 1), dt.date(2026, 3, 15))  # cut short at the end
    year = trend_periods(Filters(start=Q1_START, end=Q1_END, period=Period.YEAR))
    assert [year[0][0], year[-1][0]] == ["2015", "2026"]
    # A custom period repeats its own length in whole months, never a length in days.
    custom = trend_periods(
        Filters(start=dt.date(2025, 11, 1), end=dt.date(2026, 1, 31), period=Period.CUSTOM)
    )
    assert custom[-1] == ("Nov 2025 to Jan 2026", dt.date(2025, 11, 1), dt.date(2026, 1, 31))
    assert custom[-2] == ("Aug to Oct 2025", dt.date(2025, 8, 1), dt.date(2025, 10, 31))
    single = trend_periods(
        Filters(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31), period=Period.CUSTOM)
    )
    assert single[-2:] == [
        ("Feb 2026", dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
        ("Mar 2026", dt.date(2026, 3, 1), dt.date(2026, 3, 31)),
    ]
    # A quarter cut short at the end of a month says which months it holds.
    quarters = trend_periods(
        Filters(start=dt.date(2025, 1, 1), end=dt.date(2026, 2, 28), period=Period.QUARTER)
    )
    assert quarters[-1] == ("Jan to Feb 2026", dt.date(2026, 1, 1), dt.date(2026, 2, 28))
    assert quarters[-2] == ("Oct to Dec 2025", dt.date(2025, 10, 1), dt.date(2025, 12, 31))


def test_published_figures_are_for_whole_months(world):
    figures = governance_figures(Filters(start=dt.date(2026, 1, 5), end=dt.date(2026, 3, 20)))
    assert (figures.filters.start, figures.filters.end) == (Q1_START, Q1_END)
    assert figures.tables == governance_figures(Q1).tables
    for _, first, last in trend_periods(figures.filters):
        assert first.day == 1 and (last + dt.timedelta(days=1)).day == 1


def test_cached_and_bumped_when_a_case_changes(world, django_assert_num_queries):
    first = governance_figures(Q1)
    with django_assert_num_queries(0):
        assert governance_figures(Q1) is not None
    version = cache_version()

    case = world.cases["c5"]
    Case.objects.filter(pk=case.pk).update(state=CaseState.CLOSED)  # an update() sends no signal...
    case.refresh_from_db()
    case.closure, case.closed_at = "withdrawn", at(2026, 3, 3)
    case.save()  # ...but save() does
    assert cache_version() > version

    second = governance_figures(Q1)
    assert second.generated_at >= first.generated_at
    assert second.table("summary").rows[2] == ("Cases closed", 5)
    assert first.table("summary").rows[2] == ("Cases closed", SUPPRESSED)


def test_bumped_when_a_report_arrives(world):
    governance_figures(Q1)
    version = cache_version()
    ReportFactory(
        case=world.cases["c5"],
        reference="SMP-EXTRA",
        platform=Platform.TIKTOK,
        submitted_at=at(2026, 3, 3),
    )
    assert cache_version() == version + 1
    assert governance_figures(Q1).table("summary").rows[0] == ("Reports received", 10)  # 8, rounded


def test_bump_starts_from_nothing():
    assert cache_version() == 0
    governance_cache_bump()
    governance_cache_bump()
    assert cache_version() == 2


def _count_queries(filters: Filters) -> int:
    with CaptureQueriesContext(connection) as queries:
        compute_tables(filters)
    return len(queries)


@pytest.mark.parametrize(
    "filters",
    [
        Filters(start=Q1_START, end=Q1_END),
        Filters(start=Q1_START, end=Q1_END, period=Period.MONTH, platform=Platform.X),
    ],
    ids=["plain", "platform"],
)
def test_query_count_does_not_grow_with_cases(db, frozen, filters, django_assert_max_num_queries):
    directorate = DirectorateFactory(name="Medicine")
    service = ServiceFactory(directorate=directorate)
    posters = [UserFactory(service=service) for _ in range(5)]
    reporter = UserFactory()

    def add(n: int) -> None:
        for i in range(n):
            make_case(
                opened=at(2026, 1 + i % 3, 1 + i % 28),
                reporter=reporter,
                poster=posters[i % 5],
                platform=Platform.X if i % 2 else Platform.FACEBOOK,
                state=CaseState.CLOSED if i % 3 == 0 else CaseState.TRIAGE,
                closure="dismissed" if i % 3 == 0 else "",
                closed_at=at(2026, 3, 30) if i % 3 == 0 else None,
                triage_started_at=at(2026, 3, 2),
            )

    # Counting the changed cases costs in proportion to the changes; reading the counts must not.
    add(10)
    rollup_refresh()
    with django_assert_max_num_queries(12):
        governance_figures(filters)
    with_10 = _count_queries(filters)
    add(190)
    assert Case.objects.count() == 200
    rollup_refresh()
    with django_assert_max_num_queries(12):
        figures = governance_figures(filters)  # the bump made the cache miss: computed afresh
    assert figures.table("summary").rows[1][1] in (200, 100)
    assert _count_queries(filters) == with_10
