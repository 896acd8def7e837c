"""The sweep's cost follows what is due, not how many deadlines are open.

Listing what is due is one indexed query; a sweep with nothing due is that one
query whether 10 or 500 deadlines are open; a sweep with a few due costs the
same on a small table as on a large one, and the same number of queries for 3
due as for 60 (one batch claims, finds the people and writes the notifications
set-wise). (scripts/bench_reminders.py measures it at 1,000,000 open deadlines.)
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.models import Case
from casework.notices import _case_links, deadlines_sweep
from deadlines.models import Clock, Deadline
from deadlines.services import deadlines_due
from notifications.models import Notification, NotificationKind
from tests.deadlines.helpers import utc

NOW = utc(2026, 1, 14, 12, 0)
_made = 0


def open_deadlines(count: int, *, due: int = 0) -> list[int]:
    """``count`` cases, each with an open triage clock; ``due`` of them with a step to send now."""
    global _made
    cases = Case.objects.bulk_create(
        Case(reference=f"COST-{_made + n:06d}", next_due_at=NOW + dt.timedelta(days=1))
        for n in range(count)
    )
    _made += count
    rows = []
    for index, case in enumerate(cases):
        started = NOW - dt.timedelta(hours=2)
        due_at = NOW + dt.timedelta(hours=22)
        is_due = index < due
        rows.append(
            Deadline(
                case=case,
                clock=Clock.TRIAGE_START,
                started_at=started,
                due_at=due_at,
                remind_at=NOW - dt.timedelta(minutes=5) if is_due else NOW + dt.timedelta(hours=10),
                escalate_at=due_at + dt.timedelta(days=2),
                next_action_at=NOW - dt.timedelta(minutes=5)
                if is_due
                else NOW + dt.timedelta(hours=10),
            )
        )
    return [row.pk for row in Deadline.objects.bulk_create(rows)][:due]


def sweep_queries(**kwargs: object) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        sent = deadlines_sweep(now=NOW, **kwargs)
    return sent, len(queries)


def test_listing_what_is_due_is_one_query_on_a_small_or_large_table(
    db, django_assert_max_num_queries
) -> None:
    due = open_deadlines(10, due=3)
    with django_assert_max_num_queries(1):
        assert sorted(deadlines_due(now=NOW, limit=1000)) == sorted(due)
    open_deadlines(490)
    with django_assert_max_num_queries(1):
        assert sorted(deadlines_due(now=NOW, limit=1000)) == sorted(due)


def test_a_sweep_with_nothing_due_is_one_query_with_10_or_500_open(
    db, django_assert_max_num_queries
) -> None:
    open_deadlines(10)
    with django_assert_max_num_queries(1):
        small = sweep_queries()
    open_deadlines(490)
    assert Deadline.objects.filter(met_at=None, cancelled_at=None).count() == 500
    with django_assert_max_num_queries(1):
        large = sweep_queries()
    assert small == large == (0, 1)


def test_a_sweep_with_a_few_due_costs_the_same_on_10_or_500_open(db, triage_officer) -> None:
    open_deadlines(7, due=3)
    small_sent, small = sweep_queries()
    open_deadlines(490, due=3)
    large_sent, large = sweep_queries()
    assert small_sent == large_sent == 3
    assert small == large


def _sweep_statements() -> tuple[int, int]:
    """A sweep's statements: those that aren't notification INSERTs, and those that are."""
    with CaptureQueriesContext(connection) as queries:
        deadlines_sweep(now=NOW)
    inserts = [
        query
        for query in queries.captured_queries
        if query["sql"].startswith('INSERT INTO "notifications_notification"')
    ]
    return len(queries) - len(inserts), len(inserts)


def test_a_sweep_costs_the_same_queries_for_3_or_60_due(
    db, triage_officer, other_triage_officer, hr_lead
) -> None:
    # Everything is claimed, its people found and its notifications written set-wise: a fixed
    # handful of queries for the batch, not a handful per deadline.
    open_deadlines(20, due=3)
    few, few_inserts = _sweep_statements()
    open_deadlines(100, due=60)
    many, many_inserts = _sweep_statements()
    assert few == many <= 12
    # Each owner heard once per deadline: two triage officers, 63 deadlines.
    assert Notification.objects.filter(kind=NotificationKind.DEADLINE_REMINDER).count() == 2 * 63
    # One INSERT for all 120 rows on PostgreSQL; SQLite takes at most 999 values a statement.
    assert few_inserts == 1
    assert many_inserts == (1 if connection.vendor == "postgresql" else 3)


def test_the_due_query_can_use_the_partial_index(db) -> None:
    open_deadlines(50, due=2)
    query = (
        Deadline.objects.filter(next_action_at__lte=NOW)
        .order_by("next_action_at")
        .values_list("pk")[:1000]
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = query.explain()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = on")
    else:
        plan = query.explain()
    assert "deadline_next_action" in plan


def test_the_sweep_reads_only_the_case_columns_its_notices_need(db, triage_officer) -> None:
    open_deadlines(5, due=2)
    with CaptureQueriesContext(connection) as queries:
        assert deadlines_sweep(now=NOW) == 2
    (read,) = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith("SELECT") and 'JOIN "casework_case"' in query["sql"]
    ]
    assert '"casework_case"."reference"' in read and '"casework_case"."poster_id"' in read
    # A case's long texts stay in the table.
    assert '"casework_case"."triage_summary"' not in read
    assert '"casework_case"."terms_of_reference"' not in read
    subjects = Notification.objects.values_list("subject", "link", "case__reference")
    assert len(subjects) == 2
    assert all(reference in subject and reference in link for subject, link, reference in subjects)


def test_case_links_made_for_a_batch_are_those_reverse_makes() -> None:
    references = ["FP-2026-0001", "FP 2026 ü", "50%~:@!$&'()*+,;=", "a?b#c", "REFERENCE"]
    cases = [Case(pk=n, reference=reference) for n, reference in enumerate(references, 1)]
    assert _case_links(cases) == {
        case.pk: reverse("casework:case_detail", args=[case.reference]) for case in cases
    }
