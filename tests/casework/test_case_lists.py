"""The case lists page by keyset, count no further than a cap, and search within the user's scope."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.access import visible_cases
from casework.models import NEVER_DUE, Case, CaseState
from directory.models import Role, User
from incidents.models import Platform
from tests.factories import CaseFactory, ReportFactory, UserFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
CASE_LIST = reverse("casework:case_list")
QUEUE = reverse("casework:triage_queue")


def _cases(count: int, **fields: object) -> list[Case]:
    """``count`` cases, three to a moment (so ties on time are settled by id), each with a report."""
    made = []
    for n in range(count):
        case = CaseFactory(**fields)
        ReportFactory(case=case, platform=[Platform.FACEBOOK, Platform.TIKTOK][n % 2])
        moment = START + dt.timedelta(hours=n // 3)
        Case.objects.filter(pk=case.pk).update(
            created_at=moment,
            updated_at=moment,
            next_due_at=None if n % 4 == 0 else moment + dt.timedelta(days=n % 5),
        )
        made.append(case)
    return made


def _links(body: str) -> dict[str, str]:
    """The pager's links: by rel ("next", "prev") and by label."""
    found = {}
    pattern = (
        r'<a (?:class="[^"]*" )?href="(\?[^"]*)"(?: rel="(next|prev)")?>(?:<span[^>]*>)?([^<]*)<'
    )
    for match in re.finditer(pattern, body):
        found[match.group(2) or match.group(3)] = html.unescape(match.group(1))
    return found


def _walk(client: Client, url: str, start: str, rel: str) -> list[str]:
    """Follow ``rel`` links from ``start`` to the end; the references shown, in the order shown."""
    response = client.get(url + start)
    seen = [case.reference for case in response.context["page"].object_list]
    for _ in range(100):
        link = _links(response.content.decode()).get(rel)
        if link is None:
            return seen
        response = client.get(url + link)
        shown = [case.reference for case in response.context["page"].object_list]
        # Stepping back past the top shows a full first page again: keep each case once.
        seen = seen + shown if rel == "next" else shown + [ref for ref in seen if ref not in shown]
    raise AssertionError("the walk did not end")


def _expected(user: User, *, order: list[str], **filters: object) -> list[str]:
    cases = visible_cases(user).filter(**filters).annotate(due=_due()).order_by(*order)
    return list(cases.values_list("reference", flat=True))


def _due():
    from casework.models import case_due

    return case_due()


def _investigator_with_every_arm(poster: User) -> User:
    """An investigator who also manages the poster and decides cases: three arms of the scope."""
    person = UserFactory(roles=[Role.HR_INVESTIGATOR, Role.SAFEGUARDING_LEAD])
    _cases(30, state=CaseState.INVESTIGATION, investigator=person)
    _cases(10, state=CaseState.MANAGER_REVIEW, line_manager=person, poster=poster)
    _cases(9, state=CaseState.CLOSED, decision_maker=person)
    _cases(8, state=CaseState.NEW, flag_safeguarding=True)
    # Not theirs: a manager's case before it reached them, and someone else's.
    _cases(5, state=CaseState.TRIAGE, line_manager=person)
    _cases(5, state=CaseState.INVESTIGATION, investigator=UserFactory())
    return person


@pytest.mark.parametrize(
    ("params", "order", "filters"),
    [
        ("", ["-updated_at", "-pk"], {}),
        ("?sort=due", ["due", "pk"], {}),
        ("?state=investigation", ["-updated_at", "-pk"], {"state": CaseState.INVESTIGATION}),
        ("?platform=tiktok&sort=due", ["due", "pk"], {"reports__platform": Platform.TIKTOK}),
    ],
)
def test_older_and_newer_walk_every_case_once_in_order_with_the_filters_kept(
    login, poster, params, order, filters
) -> None:
    user = _investigator_with_every_arm(poster)
    client = login(user)
    expected = _expected(user, order=order, **filters)
    assert len(expected) > 25  # more than one page

    assert _walk(client, CASE_LIST, params, "next") == expected
    oldest = _links(client.get(CASE_LIST + params).content.decode())
    last = next(link for label, link in oldest.items() if "last=1" in link)
    assert _walk(client, CASE_LIST, last, "prev") == expected
    for link in oldest.values():
        for name, value in (pair.split("=") for pair in params.lstrip("?").split("&") if pair):
            assert f"{name}={value}" in link


def test_the_hr_lead_walks_every_case_and_the_triage_queue_in_each_order(login, hr_lead) -> None:
    _cases(30, state=CaseState.CLOSED)
    _cases(28, state=CaseState.NEW)
    _cases(3, state=CaseState.TRIAGE)
    client = login(hr_lead)
    assert _walk(client, CASE_LIST, "", "next") == _expected(hr_lead, order=["-updated_at", "-pk"])
    queue = _expected(hr_lead, order=["created_at", "pk"], state__in=["new", "triage"])
    assert _walk(client, QUEUE, "?sort=arrival", "next") == queue
    by_due = _expected(hr_lead, order=["due", "pk"], state__in=["new", "triage"])
    assert _walk(client, QUEUE, "", "next") == by_due  # the queue reads least time left first
    assert _walk(client, QUEUE, "?sort=due", "next") == by_due
    page = client.get(QUEUE, {"sort": "arrival"}).content.decode()
    assert ">Newer</span>" in page and ">Newest</a>" in page


def test_cases_with_no_deadline_come_after_every_deadline(login, hr_lead) -> None:
    cases = _cases(8, state=CaseState.INVESTIGATION)
    shown = login(hr_lead).get(CASE_LIST, {"sort": "due"}).context["page"].object_list
    undated = [case for case in shown if case.next_due_at is None]
    assert undated and shown[-len(undated) :] == undated
    assert {case.due for case in undated} == {NEVER_DUE}
    assert len(shown) == len(cases)


def _no_offset_nor_whole_count(queries: list[dict[str, str]]) -> None:
    for query in queries:
        sql = query["sql"].upper()
        assert " OFFSET " not in sql, sql
        for count in re.finditer(r"COUNT\(", sql):
            before = sql[: count.start()]
            if before.startswith("SELECT") and before.strip() == "SELECT":
                # The query is a count: of a limited subquery only.
                assert re.search(r"FROM \(.*LIMIT \d+", sql), sql
            else:
                # A count inside a row's subquery: of that one row's reports, links or files.
                assert re.match(
                    r'COUNT\(U0\."ID"\) AS "N" FROM "\w+" U0 WHERE U0\."\w+_ID" = \(',
                    sql[count.start() :],
                ), sql


def _deep(client: Client, url: str) -> list[dict[str, str]]:
    """The queries of a page reached through the oldest link and a step back."""
    first = _links(client.get(url).content.decode())
    last = next(link for link in first.values() if "last=1" in link)
    back = _links(client.get(url + last).content.decode())["prev"]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url + back)
    assert response.status_code == 200 and len(response.context["page"].object_list) > 0
    return queries.captured_queries


def test_a_deep_page_of_any_case_list_reads_no_offset_and_no_whole_count(
    login, hr_lead, poster
) -> None:
    investigator = _investigator_with_every_arm(poster)
    _cases(60, state=CaseState.NEW)
    _no_offset_nor_whole_count(_deep(login(hr_lead), CASE_LIST))
    _no_offset_nor_whole_count(_deep(login(hr_lead), QUEUE + "?sort=due"))
    _no_offset_nor_whole_count(_deep(login(investigator), CASE_LIST))
    _no_offset_nor_whole_count(
        _deep(login(investigator), CASE_LIST + "?sort=due&state=investigation")
    )


@pytest.mark.parametrize(
    "params", ["?page=3", "?after=not-a-cursor", "?before=%25%25", "?after=WzFd"]
)
def test_an_old_page_link_or_a_mangled_cursor_gives_the_first_page(login, hr_lead, params) -> None:
    _cases(30, state=CaseState.NEW)
    client = login(hr_lead)
    first = client.get(CASE_LIST).context["page"].object_list
    response = client.get(CASE_LIST + params)
    assert response.status_code == 200
    assert response.context["page"].object_list == first


def test_the_list_counts_its_cases_up_to_a_thousand(login, hr_lead) -> None:
    now = timezone.now()
    Case.objects.bulk_create(
        Case(reference=f"SMP-2025-{n:05d}", state=CaseState.CLOSED, updated_at=now)
        for n in range(1001)
    )
    CaseFactory(state=CaseState.NEW, flag_defamation=True)
    client = login(hr_lead)
    assert "More than 1,000 cases." in client.get(CASE_LIST).content.decode()
    assert (
        "1 case matches these filters."
        in client.get(CASE_LIST, {"flag": "defamation"}).content.decode()
    )


# --- Search ------------------------------------------------------------------------------


@pytest.fixture
def searchable(poster: User) -> dict[str, Case]:
    named = UserFactory(first_name="Marguerite", last_name="Okonkwo-Reyes")
    cases = {
        "by_reference": CaseFactory(reference="SMP-2026-04242"),
        "by_report_reference": CaseFactory(),
        "by_case_handle": CaseFactory(poster_handle="@Night_Nurse_Diaries"),
        "by_report_handle": CaseFactory(),
        "by_case_poster": CaseFactory(poster=named),
        "by_report_poster": CaseFactory(),
        "unrelated": CaseFactory(poster_handle="@someone_else"),
    }
    for case in cases.values():
        ReportFactory(case=case)
    ReportFactory(case=cases["by_report_reference"], reference="SMP-2026-31313-2")
    ReportFactory(
        case=cases["by_report_handle"],
        reference="SMP-2026-50505-2",
        poster_handle="＠wardwatcher99",
    )
    ReportFactory(case=cases["by_report_poster"], reference="SMP-2026-60606-2", poster=named)
    return cases


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("SMP-2026-04242", {"by_reference"}),
        ("smp-2026-0424", {"by_reference"}),
        ("SMP-2026-31313-2", {"by_report_reference"}),
        ("nurse_diar", {"by_case_handle"}),
        ("@night_nurse_diaries", {"by_case_handle"}),
        ("WARDWATCHER", {"by_report_handle"}),
        ("okonkwo", {"by_case_poster", "by_report_poster"}),
        ("Marguerite Okonkwo", {"by_case_poster", "by_report_poster"}),
        ("zzqqzz", set()),
    ],
)
def test_search_finds_a_case_by_each_kind_of_term(
    login, hr_lead, searchable, term, expected
) -> None:
    client = login(hr_lead)
    for url in (CASE_LIST, QUEUE):
        shown = {case.reference for case in client.get(url, {"q": term}).context["page"]}
        assert shown == {searchable[key].reference for key in expected}


def test_search_shows_only_cases_in_the_users_scope(login, investigator, searchable) -> None:
    mine = searchable["by_case_poster"]
    Case.objects.filter(pk=mine.pk).update(investigator=investigator, state=CaseState.INVESTIGATION)
    client = login(investigator)
    shown = {case.reference for case in client.get(CASE_LIST, {"q": "okonkwo"}).context["page"]}
    assert shown == {mine.reference}
    assert list(client.get(CASE_LIST, {"q": "SMP-2026-04242"}).context["page"]) == []


def test_search_never_shows_the_searcher_a_case_about_themselves(login, hr_lead) -> None:
    about_them = CaseFactory(poster=hr_lead)
    ReportFactory(case=about_them)
    client = login(hr_lead)
    for term in (hr_lead.last_name, about_them.reference):
        assert list(client.get(CASE_LIST, {"q": term}).context["page"]) == []
