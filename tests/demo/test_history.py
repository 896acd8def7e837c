"""The demo's year of past cases: generated once, spread over the year, and safe on the dashboard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from casework.models import Case, CaseEvent, CaseState, Closure, Finding
from deadlines.models import Deadline
from demo.history import REFERENCE_PREFIX
from directory.models import User
from incidents.models import EvidenceLink, Report

pytestmark = pytest.mark.django_db

HISTORY = Q(reference__startswith=f"{REFERENCE_PREFIX}-")


def _counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "cases": Case.objects.count(),
        "reports": Report.objects.count(),
        "links": EvidenceLink.objects.count(),
        "deadlines": Deadline.objects.count(),
        "events": CaseEvent.objects.count(),
        "findings": Finding.objects.count(),
        "principles": Case.principles.through.objects.count(),
    }


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker) -> Iterator[None]:
    """The demo, seeded once for this module in a transaction rolled back after its last test.

    Generating the year of history takes seconds; every test here only reads it.
    Each test still runs in a savepoint of its own (pytest-django's ``db``), so
    whatever one test writes is gone before the next.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo")
        yield
        transaction.set_rollback(True)


def _months_back(today: dt.date, back: int) -> tuple[int, int]:
    index = today.year * 12 + today.month - 1 - back
    return index // 12, index % 12 + 1


def test_seeding_twice_changes_nothing(seeded) -> None:
    before = _counts()
    assert Case.objects.filter(HISTORY).count() > 12 * 20
    call_command("seed_demo")
    assert _counts() == before


def test_history_staff_cannot_sign_in(seeded) -> None:
    staff = User.objects.filter(email__startswith="history.")
    assert staff.count() == 40
    assert not any(user.has_usable_password() for user in staff)
    assert staff.filter(line_manager__isnull=True).count() == 0


def test_there_are_cases_in_each_of_the_last_twelve_months(seeded) -> None:
    today = timezone.localdate()
    months = {
        (at.year, at.month)
        for at in (
            timezone.localtime(t)
            for t in Case.objects.filter(HISTORY).values_list("created_at", flat=True)
        )
    }
    assert months == {_months_back(today, back) for back in range(12)}
    # Each full month has a realistic volume.
    for back in range(1, 12):
        year, month = _months_back(today, back)
        n = Case.objects.filter(HISTORY, created_at__year=year, created_at__month=month).count()
        assert 20 <= n <= 45, (year, month, n)


def test_history_has_closures_of_several_kinds_and_cases_still_open(seeded) -> None:
    history = Case.objects.filter(HISTORY)
    closures = set(history.filter(state=CaseState.CLOSED).values_list("closure", flat=True))
    assert closures == set(Closure.values)
    assert history.filter(closure=Closure.OUTCOME).values("outcome").distinct().count() >= 4
    assert not history.filter(state=CaseState.CLOSED, closed_at__isnull=True).exists()
    assert not history.filter(closure=Closure.OUTCOME, outcome="").exists()
    assert history.exclude(state=CaseState.CLOSED).exists()
    assert not history.filter(created_at__gt=timezone.now()).exists()
    assert not history.filter(closed_at__lt=F("created_at")).exists()


def test_history_has_flags_reports_and_deadlines_met_and_missed(seeded) -> None:
    history = Case.objects.filter(HISTORY)
    assert history.filter(flag_safeguarding=True).exists()
    breaches = history.filter(flag_data_breach=True, data_breach_assessed_at__isnull=False)
    assert breaches.exists()
    # Mostly, not always, assessed within the ICO's 72 hours.
    late = [
        c
        for c in breaches
        if c.data_breach_assessed_at - c.data_breach_aware_at > dt.timedelta(hours=72)
    ]
    assert 0 < len(late) < breaches.count() / 2
    per_case = history.annotate(n=Count("reports")).values_list("n", flat=True)
    assert set(per_case) <= {1, 2, 3} and {1, 2} <= set(per_case)
    assert history.filter(poster__isnull=True, poster_handle__startswith="@").exists()
    deadlines = Deadline.objects.filter(case__in=history)
    assert deadlines.filter(met_at__lte=F("due_at")).exists()
    assert deadlines.filter(met_at__gt=F("due_at")).exists()
    # Reports and their references don't collide with live ones.
    assert (
        not Report.objects.filter(case__in=history)
        .exclude(reference__startswith=f"{REFERENCE_PREFIX}-")
        .exists()
    )


def test_history_cases_keep_the_deadline_invariants(seeded) -> None:
    from django.db.models import Min

    open_deadlines = Min(
        "deadlines__due_at", filter=Q(deadlines__met_at=None, deadlines__cancelled_at=None)
    )
    for case in Case.objects.filter(HISTORY).annotate(earliest=open_deadlines):
        assert case.next_due_at == case.earliest, case.reference
    # Nothing the sweep would send at once: every step already due was sent when it fell due.
    from deadlines.services import deadlines_due

    history_ids = set(
        Deadline.objects.filter(case__in=Case.objects.filter(HISTORY)).values_list("pk", flat=True)
    )
    assert not history_ids & set(deadlines_due(now=timezone.now(), limit=100_000))


def test_governance_figures_for_the_last_year_show_the_history(seeded) -> None:
    selectors = pytest.importorskip("governance.selectors")
    from governance.figures import Filters, Period

    today = timezone.localdate()
    year, month = _months_back(today, 11)
    figures = selectors.governance_figures(
        Filters(start=dt.date(year, month, 1), end=today, period=Period.MONTH)
    )
    summary = dict(figures.table("summary").rows)
    assert isinstance(summary["Reports received"], int) and summary["Reports received"] > 300
    trend = figures.table("trend")
    assert len(trend.rows) == 12
    assert all(row[2] not in (0, None) for row in trend.rows)  # cases opened every month
    names = {
        name.lower()
        for user in User.objects.all()
        for name in (user.get_full_name(), user.email)
        if name
    }
    for table in figures.tables:
        for row in table.rows:
            for cell in row:
                if isinstance(cell, str):
                    assert not any(name in cell.lower() for name in names), (table.key, cell)
