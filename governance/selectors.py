"""The figures the governance committee pulls, computed in the database.

``governance_figures(filters)`` is the only public entry point: it returns a
``Figures`` for whole calendar months (the filters' period widened to them),
whose tables have already been through ``governance.suppression``, so every
consumer (dashboard and its charts, CSV, committee pack) shows the same safe
cells.

How the numbers are made
------------------------
* Almost every figure is a sum over ``DailyCount``, the day-by-day counts that
  ``governance.rollup`` keeps in step with the cases (it is refreshed before
  every computation, so every committed change is counted). A year's figures
  read a few thousand small rows however many cases there are; the number of
  queries is fixed. Working days are worked out once per case when it is
  counted, because the England and Wales calendar can't be expressed portably
  in SQL.
* Repeat subjects are not a sum of days (a person counts once), so they are
  counted from the cases, from an index that carries the person (an
  index-only scan of the period's cases, not a read of the table).
* The period ``[start, end]`` is inclusive, in local (Europe/London) days:
  reports count by ``submitted_at``, cases opened by ``created_at``, cases
  closed by ``closed_at``, deadlines by ``due_at``, timings by the moment the
  stage ended (triage started / closed).
* Directorate: the directorate recorded on the case when the poster was
  identified (reports through their case). Platform: reports on that platform; cases having at least one
  report on that platform. Both apply to every table except
  ``policies_expired`` (register data, not cases).
* ``open_by_age`` is "open now" (period ignored, directorate and platform not).

Caching: results are cached per filters for ``CACHE_SECONDS``. The key holds a
version number that ``governance_cache_bump()`` moves on; receivers connected
at the bottom of this module bump it whenever a Case, Report or Deadline is
saved or deleted, or a case's principles change. The receivers are connected
when this module is imported, so ``GovernanceConfig.ready()`` must import it::

    def ready(self) -> None:
        import governance.selectors  # noqa: F401  (connects the cache receivers)

With more than one process the cache must be a shared one (Redis, Memcached)
for the bump to reach every process; with the default local-memory cache a
process sees other processes' changes only when its entries expire.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from casework.models import Case, Closure, Outcome
from deadlines.calendar import is_working_day
from deadlines.models import Clock, Deadline
from directory.models import Directorate
from governance.figures import TOTAL, Figures, Filters, Period, Table
from governance.models import DailyCount, Measure
from governance.rollup import EVERY_DIRECTORATE, rollup_refresh
from governance.suppression import suppress
from incidents.models import Platform, Report
from policies.models import PolicyVersion, Principle

CACHE_SECONDS = 300
_VERSION_KEY = "governance:figures:version"
NOT_IDENTIFIED = "Not identified"
TREND_PERIODS = 12
AGE_BANDS = (  # (label, lowest working-day age in the band)
    ("Under 5 working days", 0),
    ("5 to 20 working days", 5),
    ("21 to 60 working days", 21),
    ("Over 60 working days", 61),
)


# --- Public entry points -------------------------------------------------------------


def governance_figures(filters: Filters) -> Figures:
    """The committee's tables for ``filters`` in whole months, rounded and suppressed, and cached.

    The form already asks for whole months; widening here too means no caller
    (a stored pack, a script) can publish figures for a range cut to the day.
    """
    filters = filters.in_whole_months()
    key = _cache_key(filters)
    figures = cache.get(key)
    if figures is None:
        tables = tuple(suppress(table) for table in compute_tables(filters))
        figures = Figures(filters=filters, generated_at=timezone.now(), tables=tables)
        cache.set(key, figures, CACHE_SECONDS)
    return figures


def governance_cache_bump(*args: object, **kwargs: object) -> None:
    """Move the cache version on, so every cached ``Figures`` is recomputed on next use."""
    if not cache.add(_VERSION_KEY, 1, None):
        try:
            cache.incr(_VERSION_KEY)
        except ValueError:  # evicted between add and incr
            cache.set(_VERSION_KEY, 1, None)


def cache_version() -> int:
    return cache.get(_VERSION_KEY) or 0


def _cache_key(filters: Filters) -> str:
    raw = "|".join(
        str(part)
        for part in (
            filters.start,
            filters.end,
            filters.period,
            filters.directorate_id,
            filters.platform,
        )
    )
    return f"governance:figures:v{cache_version()}:{hashlib.sha256(raw.encode()).hexdigest()[:32]}"


# --- Building the raw (unsuppressed) tables -----------------------------------------


def compute_tables(filters: Filters, *, now: dt.datetime | None = None) -> tuple[Table, ...]:
    """The tables before suppression. Never publish these: use ``governance_figures``."""
    rollup_refresh()  # count every committed change first
    now = now or timezone.now()
    since, until = _bounds(filters.start, filters.end)
    periods = trend_periods(filters)
    counts = _Counts(filters)
    in_period = counts.between(filters.start, filters.end)
    by_measure = {measure: sum(by_detail.values()) for measure, by_detail in in_period.items()}
    trend = counts.by_day(
        periods[0][1], periods[-1][2], (Measure.REPORTS, Measure.OPENED, Measure.CLOSED)
    )
    today = timezone.localdate(now)
    open_days = counts.by_day(None, today, (Measure.OPEN,)).get(Measure.OPEN, {})

    return (
        _summary(by_measure),
        _by_platform(counts.reports_by_platform(filters.start, filters.end)),
        _by_principle(in_period.get(Measure.PRINCIPLE, {})),
        _by_directorate(counts.opened_by_directorate(filters.start, filters.end)),
        _by_outcome(in_period.get(Measure.CLOSED, {})),
        _timings(in_period.get(Measure.TO_TRIAGE, {}), in_period.get(Measure.TO_CLOSE, {})),
        _deadlines_met(
            in_period.get(Measure.DEADLINE_DUE, {}), in_period.get(Measure.DEADLINE_MET, {})
        ),
        _open_by_age(open_days, today),
        _repeat_subjects(_scoped_cases(filters), since, until),
        _flags(by_measure),
        _policies_expired(today),
        _trend(periods, trend),
    )


class _Counts:
    """Sums of ``DailyCount`` within the filters' directorate and platform."""

    def __init__(self, filters: Filters) -> None:
        everywhere = DailyCount.objects.order_by().filter(
            directorate=EVERY_DIRECTORATE
            if filters.directorate_id is None
            else filters.directorate_id
        )
        self.everywhere = everywhere  # every platform row, for the platform table
        self.platform = filters.platform
        self.directorate_id = filters.directorate_id
        self.rows = everywhere.filter(platform=filters.platform or "")

    def between(self, first: dt.date, last: dt.date) -> dict[str, dict[str, int]]:
        """measure → detail → total, for the days from ``first`` to ``last``."""
        totals: dict[str, dict[str, int]] = {}
        for measure, detail, n in (
            # Naming the measures lets the key's index (measure first) serve the read.
            self.rows.filter(measure__in=Measure.values, day__gte=first, day__lte=last)
            .values_list("measure", "detail")
            .annotate(n=Sum("n"))
        ):
            totals.setdefault(measure, {})[detail] = n
        return totals

    def by_day(
        self, first: dt.date | None, last: dt.date, measures: Iterable[str]
    ) -> dict[str, dict[dt.date, int]]:
        """measure → day → total, for the days up to ``last`` (from ``first`` if given)."""
        rows = self.rows.filter(measure__in=list(measures), day__lte=last)
        if first is not None:
            rows = rows.filter(day__gte=first)
        totals: dict[str, dict[dt.date, int]] = {}
        for measure, day, n in rows.values_list("measure", "day").annotate(n=Sum("n")):
            totals.setdefault(measure, {})[day] = n
        return totals

    def reports_by_platform(self, first: dt.date, last: dt.date) -> dict[str, int]:
        # Each report also counts under its own platform; the "" rows are the same reports again.
        rows = self.everywhere.filter(
            measure=Measure.REPORTS, day__gte=first, day__lte=last
        ).exclude(platform="")
        if self.platform:
            rows = rows.filter(platform=self.platform)
        return dict(rows.values_list("platform").annotate(n=Sum("n")))

    def opened_by_directorate(self, first: dt.date, last: dt.date) -> dict[int, int]:
        rows = (
            DailyCount.objects.order_by()
            .filter(platform=self.platform or "")
            .exclude(directorate=EVERY_DIRECTORATE)
        )
        if self.directorate_id is not None:
            rows = rows.filter(directorate=self.directorate_id)
        return dict(
            rows.filter(measure=Measure.OPENED, day__gte=first, day__lte=last)
            .values_list("directorate")
            .annotate(n=Sum("n"))
        )


def _summary(totals: dict[str, int]) -> Table:
    return Table(
        key="summary",
        title="Reports and cases in the period",
        columns=("Measure", "Number"),
        rows=(
            ("Reports received", totals.get(Measure.REPORTS, 0)),
            ("Cases opened", totals.get(Measure.OPENED, 0)),
            ("Cases closed", totals.get(Measure.CLOSED, 0)),
        ),
    )


def _by_platform(counts: dict[str, int]) -> Table:
    rows = [(platform.label, counts.get(platform.value, 0)) for platform in Platform]
    return Table(
        key="by_platform",
        title="Reports received by platform",
        columns=("Platform", "Reports received"),
        rows=(*rows, (TOTAL, sum(counts.values()))),
        chart="bar",
    )


def _by_principle(counts: dict[str, int]) -> Table:
    titles = dict(
        Principle.objects.filter(pk__in=[int(pk) for pk in counts]).values_list("pk", "title")
    )
    by_title: dict[str, int] = {}
    for pk, n in counts.items():
        if n and int(pk) in titles:
            by_title[titles[int(pk)]] = by_title.get(titles[int(pk)], 0) + n
    return Table(
        key="by_principle",
        title="Cases opened by the principle alleged",
        columns=("Principle", "Cases opened"),
        rows=tuple(sorted(by_title.items())),
        note="A case can allege more than one principle, so these don't add up to the cases opened.",
        chart="bar",
    )


def _by_directorate(counts: dict[int, int]) -> Table:
    names = dict(
        Directorate.objects.filter(pk__in=[pk for pk in counts if pk]).values_list("pk", "name")
    )
    unidentified = sum(n for pk, n in counts.items() if pk not in names)
    rows = sorted((names[pk], n) for pk, n in counts.items() if pk in names and n)
    if unidentified:
        rows.append((NOT_IDENTIFIED, unidentified))
    return Table(
        key="by_directorate",
        title="Cases opened by the poster's directorate",
        columns=("Directorate", "Cases opened"),
        rows=(*rows, (TOTAL, sum(n for _, n in rows))),
        note=f"“{NOT_IDENTIFIED}”: the poster is not yet known, or has no service recorded.",
        chart="bar",
    )


def _by_outcome(ended: dict[str, int]) -> Table:
    counts: dict[tuple[str, str], int] = {}
    for detail, n in ended.items():
        closure, _, outcome = detail.partition("|")
        counts[(closure, outcome)] = counts.get((closure, outcome), 0) + n
    by_label: dict[str, int] = {}
    for (closure, outcome), n in counts.items():
        if closure == Closure.OUTCOME and outcome in Outcome.values:
            label = Outcome(outcome).label
        elif closure in (Closure.WITHDRAWN, Closure.DISMISSED, Closure.RESOLVED_INFORMALLY):
            label = Closure(closure).label
        else:
            label = "Outcome not recorded"
        by_label[label] = by_label.get(label, 0) + n
    labels = [
        Closure.WITHDRAWN.label,
        Closure.DISMISSED.label,
        Closure.RESOLVED_INFORMALLY.label,
        *Outcome.labels,
    ]
    rows = [(label, by_label.get(label, 0)) for label in labels]
    if by_label.get("Outcome not recorded"):
        rows.append(("Outcome not recorded", by_label["Outcome not recorded"]))
    return Table(
        key="by_outcome",
        title="Cases closed by how they ended",
        columns=("Outcome", "Cases closed"),
        rows=(*rows, (TOTAL, sum(counts.values()))),
        chart="bar",
    )


def _timings(to_triage: dict[str, int], to_close: dict[str, int]) -> Table:
    rows = []
    for label, counts in (
        ("From report to triage started", to_triage),
        ("From report to closed", to_close),
    ):
        counted = sorted((int(days), n) for days, n in counts.items() if n)
        total = sum(n for _, n in counted)
        rows.append((label, total, *_weighted_median_p90(counted, total)))
    return Table(
        key="timings",
        title="Working days taken",
        columns=("Measure", "Cases", "Median working days", "90th percentile working days"),
        rows=tuple(rows),
        note="From the first report on the case; for cases whose stage ended in the period. "
        "90th percentile by the nearest-rank method.",
    )


def _weighted_median_p90(
    counted: list[tuple[int, int]], total: int
) -> tuple[float | None, int | None]:
    if not total:
        return None, None

    def nth(index: int) -> int:  # the index-th value (0-based) of the sorted, expanded list
        seen = 0
        for days, count in counted:
            seen += count
            if index < seen:
                return days
        return counted[-1][0]

    middle = total // 2
    median = float(nth(middle)) if total % 2 else (nth(middle - 1) + nth(middle)) / 2
    return round(median, 1), nth(math.ceil(0.9 * total) - 1)


def _deadlines_met(due: dict[str, int], met: dict[str, int]) -> Table:
    rows = []
    for clock in Clock:
        due_n, met_n = due.get(clock.value, 0), met.get(clock.value, 0)
        rows.append((clock.label, due_n, met_n, round(100 * met_n / due_n, 1) if due_n else None))
    return Table(
        key="deadlines_met",
        title="Deadlines met, by stage",
        columns=("Stage", "Due in period", "Met in time", "Share met (%)"),
        rows=tuple(rows),
        note="Deadlines falling due in the period; cancelled deadlines are left out.",
    )


def _open_by_age(opened_on: dict[dt.date, int], today: dt.date) -> Table:
    floors = [floor.date() for floor in _age_floors(today, [lowest for _, lowest in AGE_BANDS[1:]])]
    open_now = sum(opened_on.values())
    # at_least[i]: open cases at least as old as band i's lowest age.
    at_least = [
        open_now,
        *(sum(n for day, n in opened_on.items() if day < floor) for floor in floors),
        0,
    ]
    rows = tuple((label, at_least[i] - at_least[i + 1]) for i, (label, _) in enumerate(AGE_BANDS))
    return Table(
        key="open_by_age",
        title="Open cases now, by age",
        columns=("Age", "Open cases"),
        rows=(*rows, (TOTAL, open_now)),
        note="Age in working days since the case was opened.",
        chart="bar",
    )


def _repeat_subjects(cases: QuerySet[Case], since: dt.datetime, until: dt.datetime) -> Table:
    # A person is their poster link until personal details are removed from any of their cases
    # under retention; from then on all their cases share an opaque subject key (records app)
    # and the person is that key, so past figures don't change when the poster link goes.
    people = _people_with_another_case(
        cases, "subject_key", since, until
    ) + _people_with_another_case(cases.filter(subject_key__isnull=True), "poster", since, until)
    return Table(
        key="repeat_subjects",
        title="Repeat subjects",
        columns=("Measure", "Number"),
        rows=(("People who are the subject of more than one case", people),),
        note="People with a case opened in the period and at least one other case opened by its end.",
    )


def _people_with_another_case(
    cases: QuerySet[Case], person: str, since: dt.datetime, until: dt.datetime
) -> int:
    """People (by ``person``) with a case opened in the period and another opened by its end.

    Two in the period, or one in it and an earlier one. The earlier-case test sits
    in HAVING, so it runs once per person (by index), not once per case.
    """
    earlier = cases.filter(**{person: OuterRef(person)}, created_at__lt=since)
    return (
        cases.filter(**{f"{person}__isnull": False}, created_at__gte=since, created_at__lt=until)
        .order_by()
        .values(person)
        # COUNT(*), not of the id: the period's cases are then read from the covering index
        # on created_at alone (casework migration 0011), never from the table.
        .annotate(in_period=Count("*"))
        .filter(Q(in_period__gt=1) | Exists(earlier))
        .count()
    )


def _flags(totals: dict[str, int]) -> Table:
    breaches, in_time = totals.get(Measure.BREACH, 0), totals.get(Measure.BREACH_IN_TIME, 0)
    return Table(
        key="flags",
        title="Safeguarding and data-breach flags",
        columns=(
            "Flag",
            "Cases flagged",
            "Assessed within 72 hours",
            "Share assessed within 72 hours (%)",
        ),
        rows=(
            ("Safeguarding or welfare concern", totals.get(Measure.SAFEGUARDING, 0), None, None),
            (
                "Confidentiality or personal-data breach",
                breaches,
                in_time,
                round(100 * in_time / breaches, 1) if breaches else None,
            ),
        ),
        note="Cases opened in the period carrying the flag. A breach counts as assessed in time "
        "when it was assessed within 72 hours of the organisation becoming aware of it.",
    )


def _policies_expired(today: dt.date) -> Table:
    rows = (
        PolicyVersion.objects.expired(today=today)
        .order_by("expires_on", "policy__title", "version")
        .values_list("policy__title", "version", "expires_on")
    )
    return Table(
        key="policies_expired",
        title="Policy versions past their expiry date",
        columns=("Policy", "Version", "Expired on"),
        # expired() only matches versions with an expiry date.
        rows=tuple(
            (title, version, expires.isoformat() if expires else "")
            for title, version, expires in rows
        ),
        note="From the policy register, as at today; not affected by the filters.",
    )


def _trend(
    periods: list[tuple[str, dt.date, dt.date]], by_day: dict[str, dict[dt.date, int]]
) -> Table:
    def total(measure: str, first: dt.date, last: dt.date) -> int:
        return sum(n for day, n in by_day.get(measure, {}).items() if first <= day <= last)

    rows = tuple(
        (
            label,
            total(Measure.REPORTS, first, last),
            total(Measure.OPENED, first, last),
            total(Measure.CLOSED, first, last),
        )
        for label, first, last in periods
    )
    return Table(
        key="trend",
        title="Trend",
        columns=("Period", "Reports received", "Cases opened", "Cases closed"),
        rows=rows,
        chart="line",
    )


# --- Scope, periods and working-day bands ---------------------------------------------


def _scoped_cases(filters: Filters) -> QuerySet[Case]:
    cases = Case.objects.all()
    if filters.directorate_id is not None:
        cases = cases.filter(directorate_id=filters.directorate_id)
    if filters.platform:
        cases = cases.filter(
            Exists(Report.objects.filter(case_id=OuterRef("pk"), platform=filters.platform))
        )
    return cases


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=_zone())


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """``[start, end]`` in local days as a half-open ``[since, until)`` of instants."""
    return _midnight(start), _midnight(end + dt.timedelta(days=1))


def _month_start(day: dt.date, back: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def trend_periods(filters: Filters) -> list[tuple[str, dt.date, dt.date]]:
    """The last ``TREND_PERIODS`` periods ending at ``filters.end``: (label, first day, last day).

    Month, quarter and year are calendar ones; a custom period repeats the
    filter's own length in whole months, back from the month holding ``end``.
    The last is cut short at ``end``, which for published figures is the end
    of a month (``governance_figures`` widens the filters to whole months), so
    every period is made of whole calendar months. The current period is
    unfinished and grows day by day; the rounding is what protects it.
    """
    end = filters.end
    if filters.period == Period.CUSTOM:
        months = (end.year - filters.start.year) * 12 + end.month - filters.start.month + 1
        current = _month_start(end, months - 1)
    else:
        months = {Period.MONTH: 1, Period.QUARTER: 3, Period.YEAR: 12}.get(filters.period, 3)
        current = _month_start(end, (end.month - 1) % months)
    periods = []
    for back in range(TREND_PERIODS - 1, -1, -1):
        first = _month_start(current, back * months)
        last = min(_month_start(first, -months) - dt.timedelta(days=1), end)
        if months == 1:
            label = f"{first:%b %Y}"
        elif filters.period == Period.YEAR:
            label = f"{first:%Y}"
        elif first.year == last.year:
            label = f"{first:%b} to {last:%b %Y}"
        else:
            label = f"{first:%b %Y} to {last:%b %Y}"
        periods.append((label, first, last))
    return periods


def _age_floors(today: dt.date, thresholds: list[int]) -> list[dt.datetime]:
    """For each threshold t, the instant before which a case opened is at least t working days old.

    Matches ``working_days_between(opened, today)``: the working days after the
    opening day up to and including today. Walks back from today one day at a time.
    """
    floors: dict[int, dt.datetime] = {}
    day, count = today, 0
    while len(floors) < len(thresholds):
        count += is_working_day(day)
        day -= dt.timedelta(days=1)  # now count == working_days_between(day, today)
        for threshold in thresholds:
            if threshold not in floors and count >= threshold:
                floors[threshold] = _midnight(day + dt.timedelta(days=1))
    return [floors[threshold] for threshold in thresholds]


# --- Cache invalidation -----------------------------------------------------------------

for _model in (Case, Report, Deadline):
    post_save.connect(
        governance_cache_bump, sender=_model, dispatch_uid=f"governance_bump_save_{_model.__name__}"
    )
    post_delete.connect(
        governance_cache_bump,
        sender=_model,
        dispatch_uid=f"governance_bump_delete_{_model.__name__}",
    )
m2m_changed.connect(
    governance_cache_bump, sender=Case.principles.through, dispatch_uid="governance_bump_principles"
)
