"""The audit trail and a case's access history page by keyset: deep pages read one page of rows."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent, AuditKind
from audit.selectors import LogFilters, audit_log
from audit.services import audit_record
from casework.models import CaseState
from directory.models import Role
from tests.factories import UserFactory, case_in_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def ig_lead():
    return UserFactory(first_name="Iris", last_name="Infogov", roles=[Role.IG_LEAD])


def _walk(client, url: str, query: dict[str, str]) -> tuple[list[AuditEvent], list[str]]:
    """Every row from the first page on, following the Older links; and the links followed."""
    response = client.get(url, query)
    assert response.status_code == 200
    rows = [row.event for row in response.context["rows"]]
    links = []
    while response.context["page"].older_query:
        link = response.context["page"].older_query
        links.append(link)
        response = client.get(url + link)
        rows += [row.event for row in response.context["rows"]]
    return rows, links


# The big tables these pages read: none is counted whole (a capped count counts a LIMITed subquery).
BIG = {"AUDIT_AUDITEVENT", "CASEWORK_CASE", "CASEWORK_CASEEVENT", "INCIDENTS_REPORT"}


def _no_offset_and_no_whole_count(queries: list[dict[str, str]]) -> None:
    for query in queries:
        sql = query["sql"].upper()
        assert "OFFSET" not in sql, sql
        for counted in re.findall(r'COUNT\([^)]*\)(?: AS "__COUNT")? FROM "(\w+)"', sql):
            assert counted not in BIG, sql


def test_keyset_links_walk_the_whole_filtered_trail_once(login, cast, ig_lead) -> None:
    case = case_in_state(CaseState.INVESTIGATION, cast)
    someone = UserFactory()
    for n in range(130):
        audit_record(
            kind=AuditKind.CASE_VIEWED if n % 3 else AuditKind.EVIDENCE_DOWNLOADED,
            actor=someone if n % 2 else cast.investigator,
            case=case,
            detail={"page": "case"},
        )
    expected = list(
        audit_log(LogFilters(person=someone, person_email=someone.email), viewer=ig_lead)
    )
    assert len(expected) == 65
    client = login(ig_lead)
    query = {"person": someone.email, "case": case.reference.lower()}
    rows, links = _walk(client, reverse("audit:log"), query)
    assert rows == expected  # each row once, newest first
    assert len(links) == 1
    for link in links:
        params = dict(parse_qsl(link.lstrip("?")))
        assert params["person"] == someone.email and params["case"] == case.reference.lower()
        assert "after" in params and "page" not in params


def test_walking_the_whole_trail_sees_every_row_once(login, ig_lead) -> None:
    for _ in range(120):
        audit_record(kind=AuditKind.SIGNED_IN, actor=ig_lead)
    client = login(ig_lead)
    rows, links = _walk(client, reverse("audit:log"), {})
    assert len(links) >= 2
    seqs = [row.seq for row in rows]
    assert len(seqs) == len(set(seqs))
    # Every row written before the walk began; the walk's own page views come after its start.
    assert set(AuditEvent.objects.values_list("seq", flat=True)) - set(seqs) <= {
        row.seq for row in AuditEvent.objects.filter(kind=AuditKind.AUDIT_VIEWED)
    }
    assert [row.at for row in rows] == sorted((row.at for row in rows), reverse=True)


def test_a_deep_trail_page_has_no_offset_and_no_whole_count(login, ig_lead) -> None:
    for _ in range(160):
        audit_record(kind=AuditKind.SIGNED_IN, actor=ig_lead)
    client = login(ig_lead)
    url = reverse("audit:log")
    first = client.get(url, {"kind": AuditKind.SIGNED_IN})
    second = client.get(url + first.context["page"].older_query)
    deep = second.context["page"].older_query
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url + deep)
    assert response.status_code == 200 and response.context["rows"]
    _no_offset_and_no_whole_count(queries.captured_queries)
    signed_in = AuditEvent.objects.filter(kind=AuditKind.SIGNED_IN).count()
    assert f"{signed_in} rows match" in response.content.decode()


def test_the_trail_count_stops_at_its_cap(login, ig_lead, monkeypatch) -> None:
    monkeypatch.setattr("audit.views.COUNT_CAP", 60)
    for _ in range(70):
        audit_record(kind=AuditKind.SIGNED_IN, actor=ig_lead)
    page = login(ig_lead).get(reverse("audit:log")).content.decode()
    assert "more than 60 rows match" in page


def test_a_deep_access_history_page_has_no_offset_and_no_whole_count(login, cast, ig_lead) -> None:
    case = case_in_state(CaseState.INVESTIGATION, cast)
    for _ in range(130):
        audit_record(kind=AuditKind.CASE_VIEWED, actor=cast.investigator, case=case)
    client = login(ig_lead)
    url = reverse("casework:access_history", args=[case.reference])
    first = client.get(url)
    second = client.get(url + first.context["page"].older_query)
    with CaptureQueriesContext(connection) as queries:
        third = client.get(url + second.context["page"].older_query)
    assert third.status_code == 200
    _no_offset_and_no_whole_count(queries.captured_queries)
    seen = [
        row.event.seq for response in (first, second, third) for row in response.context["rows"]
    ]
    assert len(seen) == len(set(seen))
    older = set(AuditEvent.objects.filter(case=case).values_list("seq", flat=True))
    assert older - set(seen) <= {
        row.seq for row in AuditEvent.objects.filter(case=case, kind=AuditKind.AUDIT_VIEWED)
    }
    assert 'rel="next"' not in third.content.decode()  # the oldest page


def test_a_deep_case_page_list_reads_no_offset(login, cast, hr_lead) -> None:
    case = case_in_state(CaseState.INVESTIGATION, cast)
    client = login(hr_lead)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("casework:case_detail", args=[case.reference])).status_code == 200
    _no_offset_and_no_whole_count(queries.captured_queries)


@pytest.mark.postgresql
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the fingerprint index is PostgreSQL's"
)
def test_the_fingerprint_index_covers_every_kind_a_person_search_reads_by_fingerprint() -> None:
    """A kind the search reads by fingerprint but the index leaves out sends the search through
    the whole trail (it did: 4 s at ten million rows, when reset requests joined the search)."""
    from audit.selectors import SIGN_IN_KINDS
    from audit.services import username_fingerprint

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'audit_signin_tried_at_seq'"
        )
        (definition,) = cursor.fetchone()
    for kind in SIGN_IN_KINDS:
        assert f"'{kind}'" in definition, (kind, definition)

    query = AuditEvent.objects.filter(
        kind__in=SIGN_IN_KINDS, detail__username_sha256=username_fingerprint("a@b.example")
    ).order_by("-at", "-seq")[:50]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = query.explain()
    assert "audit_signin_tried_at_seq" in plan, plan
