"""Keyset paging: every row once, in order, whichever way the pages are walked."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from directory.models import User
from kit.paging import (
    KeysetPage,
    Tally,
    among,
    cursor_make,
    keys,
    keyset_page,
    none_of,
    page_tally,
    tally,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SORT = keys("-date_joined", "-pk")
START = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def people() -> list[User]:
    # Three to a moment, so ties on the first key are settled by the second.
    made = [UserFactory(date_joined=START + dt.timedelta(hours=n // 3)) for n in range(23)]
    return sorted(made, key=lambda user: (user.date_joined, user.pk), reverse=True)


def _page(params: dict[str, str], size: int = 5) -> KeysetPage:
    return keyset_page(User.objects.all(), sort=SORT, params=params, size=size)


def _params(query: str) -> dict[str, str]:
    return dict(parse_qsl(query.lstrip("?")))


def test_walking_older_reads_every_row_once_in_order(people: list[User]) -> None:
    page = _page({"q": "kept"})
    seen = list(page.object_list)
    assert page.newer_query == "" and page.newest_query == ""
    while page.older_query:
        assert _params(page.older_query)["q"] == "kept"
        page = _page(_params(page.older_query))
        seen += page.object_list
    assert seen == people
    assert page.oldest_query == "" and page.newer_query


def test_walking_newer_from_the_last_page_reads_them_back(people: list[User]) -> None:
    page = _page({"last": "1"})
    assert page.object_list == people[-5:]
    assert page.older_query == "" and page.oldest_query == ""
    seen = list(page.object_list)
    while page.newer_query:
        page = _page(_params(page.newer_query))
        seen = [*page.object_list, *(user for user in seen if user not in page.object_list)]
    # The walk back ends on the same full first page as the walk forward starts from: where
    # fewer than a page's rows are left, those rows and the next few are shown again.
    assert page.is_first and page.object_list == people[:5]
    assert seen == people


def test_stepping_back_past_the_top_shows_a_full_first_page(people: list[User]) -> None:
    second = _page(_params(_page({}).older_query))
    # Someone on the first page leaves: the page before the second is now short of rows.
    people[0].delete()
    back = _page(_params(second.newer_query))
    assert back.object_list == people[1:6] and back.is_first


def test_a_cursor_that_is_not_ours_gives_the_first_page(people: list[User]) -> None:
    for nonsense in ("garbage!", "W10", "eyJ0IjoiYSJ9", cursor_make(people[0], keys("pk"))):
        assert _page({"after": nonsense}).object_list == people[:5]


def test_a_deep_page_reads_one_page_and_one_row_without_offset(people: list[User]) -> None:
    deep = _params(_page(_params(_page({}).older_query)).older_query)
    with CaptureQueriesContext(connection) as queries:
        _page(deep)
    (sql,) = [query["sql"] for query in queries.captured_queries]
    assert "OFFSET" not in sql.upper()
    assert "LIMIT 6" in sql.upper()


def test_tally_counts_no_further_than_its_cap(people: list[User]) -> None:
    assert str(tally(User.objects.all(), cap=100)) == "23"
    capped = tally(User.objects.all(), cap=10)
    assert capped.capped and str(capped) == "more than 10"
    with CaptureQueriesContext(connection) as queries:
        tally(User.objects.all(), cap=10)
    assert "LIMIT 11" in queries.captured_queries[0]["sql"].upper()


ARMS = [Q(is_staff=True), Q(first_name__startswith="A"), Q(job_title="Porter")]


@pytest.fixture
def mixed(people: list[User]) -> list[User]:
    """Among the people, those who meet at least one arm (some meet two), newest first."""
    for n, person in enumerate(people):
        person.is_staff = n % 4 == 0
        person.first_name = "Ann" if n % 3 == 0 else "Bo"
        person.job_title = "Porter" if n % 5 == 0 else "Nurse"
        person.save(update_fields=["is_staff", "first_name", "job_title"])
    return [p for p in people if p.is_staff or p.first_name == "Ann" or p.job_title == "Porter"]


def test_arms_list_the_rows_meeting_any_arm_once_each_in_order(mixed: list[User]) -> None:
    page = keyset_page(User.objects.all(), sort=SORT, params={}, size=4, arms=ARMS)
    seen = list(page.object_list)
    while page.older_query:
        page = keyset_page(
            User.objects.all(), sort=SORT, params=_params(page.older_query), size=4, arms=ARMS
        )
        seen += page.object_list
    assert seen == mixed
    last = keyset_page(User.objects.all(), sort=SORT, params={"last": "1"}, size=4, arms=ARMS)
    assert last.object_list == mixed[-4:]


def test_tally_with_arms_counts_each_row_once_up_to_the_cap(mixed: list[User]) -> None:
    assert tally(User.objects.all(), cap=100, arms=ARMS) == Tally(number=len(mixed), capped=False)
    assert tally(User.objects.all(), cap=3, arms=ARMS) == Tally(number=3, capped=True)


def test_among_keeps_the_rows_whose_key_is_in_a_subquery(people: list[User]) -> None:
    chosen = User.objects.filter(pk__in=[people[2].pk, people[7].pk]).values("pk")
    assert set(User.objects.filter(among("pk", chosen))) == {people[2], people[7]}


def test_none_of_leaves_out_exactly_the_given_ids(people: list[User]) -> None:
    everyone = User.objects.filter(pk__in=[person.pk for person in people])
    left_out = [people[0].pk, people[3].pk, people[-1].pk]
    kept = set(everyone.filter(none_of("pk", left_out)).values_list("pk", flat=True))
    assert kept == {person.pk for person in people} - set(left_out)
    assert everyone.filter(none_of("pk", [])).count() == len(people)
    with CaptureQueriesContext(connection) as seen:
        list(everyone.filter(none_of("pk", left_out)))
    if connection.vendor == "postgresql":  # one array parameter, however many ids
        assert "= ANY(" in seen.captured_queries[0]["sql"]


def test_a_list_on_one_page_is_counted_from_the_page_and_a_longer_one_by_the_database(
    people: list[User],
) -> None:
    counted: list[int] = []

    def count() -> Tally:
        counted.append(1)
        return tally(User.objects.all(), cap=1000)

    whole = _page({}, size=50)
    assert page_tally(whole, count) == Tally(number=23, capped=False)
    assert counted == []
    # The last page alone (reached with "Oldest") is not the whole list: it is counted.
    for params in ({}, {"last": "1"}):
        part = _page(params, size=5)
        assert part.has_other_pages
        assert page_tally(part, count) == Tally(number=23, capped=False)
    assert counted == [1, 1]
