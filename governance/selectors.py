"""The figures the governance committee pulls, computed in the database.

``governance_figures(filters)`` is the only public entry point: it returns a
``Figures`` whose tables have already been through ``governance.suppression``,
so every consumer (dashboard, CSV, committee pack) shows the same safe cells.

How the numbers are made
------------------------
* Every count is a ``COUNT`` / ``GROUP BY`` in the database; the number of
  queries is fixed (about a dozen) whatever the number of cases. Python only
  walks rows that are already aggregated. The timings are grouped in SQL by
  (local day opened, local day the stage ended) and each pair is turned into
  working days once in Python, because the England and Wales working-day
  calendar can't be expressed portably in SQL.
* The period ``[start, end]`` is inclusive, in local (Europe/London) days:
  reports count by ``submitted_at``, cases opened by ``created_at``, cases
  closed by ``closed_at``, deadlines by ``due_at``, timings by the moment the
  stage ended (triage started / closed).
* Directorate: the case's poster's service's directorate (reports through
  their case). Platform: reports on that platform; cases having at least one
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
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from casework.models import OPEN_STATES, Case, CaseState, Closure, Outcome
from deadlines.calendar import is_working_day
from deadlines.models import Clock, Deadline
from governance.figures import Figures, Filters, Period, Table
from governance.suppression import suppress
from incidents.models import Platform, Report
from policies.models import PolicyVersion

CACHE_SECONDS = 300
_VERSION_KEY = "governance:figures:version"
NOT_IDENTIFIED = "Not identified"
TOTAL = "Total"
TREND_PERIODS = 12
AGE_BANDS = (  # (label, lowest working-day age in the band)
    ("Under 5 working days", 0),
    ("5 to 20 working days", 5),
    ("21 to 60 working days", 21),
    ("Over 60 working days", 61),
)


# --- Public entry points -------------------------------------------------------------


def governance_figures(filters: Filters) -> Figures:
    """The committee's tables for ``filters``, suppressed and cached."""
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
        for part in (filters.start, filters.end, filters.period, filters.directorate_id, filters.platform)
    )
    return f"governance:figures:v{cache_version()}:{hashlib.sha256(raw.encode()).hexdigest()[:32]}"


# --- Building the raw (unsuppressed) tables -----------------------------------------


def compute_tables(filters: Filters, *, now: dt.datetime | None = None) -> tuple[Table, ...]:
    """The tables before suppression. Never publish these: use ``governance_figures``."""
    now = now or timezone.now()
    since, until = _bounds(filters.start, filters.end)
    periods = trend_periods(filters)
    cases = _scoped_cases(filters)
    opened = Q(created_at__gte=since, created_at__lt=until)
    closed = Q(state=CaseState.CLOSED, closed_at__gte=since, closed_at__lt=until)

    # One query for reports by platform, one for the reports trend.
    reports = _scoped_reports(filters)
    by_platform = dict(
        reports.filter(submitted_at__gte=since, submitted_at__lt=until)
        .order_by()
        .values_list("platform")
        .annotate(n=Count("pk"))
    )
    report_trend = reports.aggregate(**_period_counts("r", "submitted_at", periods))

    # One query for every whole-of-scope count on cases.
    age_floors = _age_floors(timezone.localdate(now), [floor for _, floor in AGE_BANDS[1:]])
    case_counts = cases.aggregate(
        opened=Count("pk", filter=opened),
        closed=Count("pk", filter=closed),
        safeguarding=Count("pk", filter=opened & Q(flag_safeguarding=True)),
        data_breach=Count("pk", filter=opened & Q(flag_data_breach=True)),
        data_breach_in_time=Count(
            "pk",
            filter=opened
            & Q(
                flag_data_breach=True,
                data_breach_aware_at__isnull=False,
                data_breach_assessed_at__lte=F("data_breach_aware_at") + dt.timedelta(hours=72),
            ),
        ),
        **_period_counts("o", "created_at", periods),
        **_period_counts("c", "closed_at", periods, extra=Q(state=CaseState.CLOSED)),
        **{
            f"age{index}": Count("pk", filter=Q(state__in=OPEN_STATES, created_at__lt=floor))
            for index, floor in enumerate(age_floors)
        },
        open_now=Count("pk", filter=Q(state__in=OPEN_STATES)),
    )

    return (
        _summary(sum(by_platform.values()), case_counts),
        _by_platform(by_platform),
        _by_principle(cases.filter(opened)),
        _by_directorate(cases.filter(opened)),
        _by_outcome(cases.filter(closed)),
        _timings(cases, since, until),
        _deadlines_met(filters, since, until),
        _open_by_age(case_counts),
        _repeat_subjects(cases, since, until),
        _flags(case_counts),
        _policies_expired(timezone.localdate(now)),
        _trend(periods, report_trend, case_counts),
    )


def _summary(reports: int, counts: dict) -> Table:
    return Table(
        key="summary",
        title="Reports and cases in the period",
        columns=("Measure", "Number"),
        rows=(
            ("Reports received", reports),
            ("Cases opened", counts["opened"]),
            ("Cases closed", counts["closed"]),
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


def _by_principle(opened: QuerySet[Case]) -> Table:
    through = Case.principles.through
    rows = (
        through.objects.filter(case__in=opened.values("pk"))
        .order_by()
        .values("principle__title")
        .annotate(n=Count("case_id", distinct=True))
        .values_list("principle__title", "n")
        .order_by("principle__title")
    )
    return Table(
        key="by_principle",
        title="Cases opened by the principle alleged",
        columns=("Principle", "Cases opened"),
        rows=tuple((title, n) for title, n in rows),
        note="A case can allege more than one principle, so these don't add up to the cases opened.",
        chart="bar",
    )


def _by_directorate(opened: QuerySet[Case]) -> Table:
    counts = dict(
        opened.order_by().values_list("poster__service__directorate__name").annotate(n=Count("pk"))
    )
    unidentified = counts.pop(None, 0)
    rows = [(name, counts[name]) for name in sorted(counts)]
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


def _by_outcome(closed: QuerySet[Case]) -> Table:
    counts: dict[tuple[str, str], int] = {
        (closure, outcome): n
        for closure, outcome, n in closed.order_by().values_list("closure", "outcome").annotate(n=Count("pk"))
    }
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


def _timings(cases: QuerySet[Case], since: dt.datetime, until: dt.datetime) -> Table:
    # Grouped in the database by (local day opened, local day the stage ended): a year has a
    # few thousand such pairs however many cases there are, and each pair's working days are
    # looked up once. A case is opened by its first report, so created_at is that moment.
    zone = timezone.get_current_timezone()
    plain = cases.order_by()
    triage = (
        plain.filter(triage_started_at__gte=since, triage_started_at__lt=until)
        .values_list(TruncDate("created_at", tzinfo=zone), TruncDate("triage_started_at", tzinfo=zone))
        .annotate(n=Count("pk"))
    )
    closing = (
        plain.filter(state=CaseState.CLOSED, closed_at__gte=since, closed_at__lt=until)
        .values_list(TruncDate("created_at", tzinfo=zone), TruncDate("closed_at", tzinfo=zone))
        .annotate(n=Count("pk"))
    )
    rows = []
    for label, groups in (
        ("From report to triage started", list(triage)),
        ("From report to closed", list(closing)),
    ):
        counted = _working_days_counted(groups)
        total = sum(count for _, count in counted)
        rows.append((label, total, *_weighted_median_p90(counted, total)))
    return Table(
        key="timings",
        title="Working days taken",
        columns=("Measure", "Cases", "Median working days", "90th percentile working days"),
        rows=tuple(rows),
        note="From the first report on the case; for cases whose stage ended in the period. "
        "90th percentile by the nearest-rank method.",
    )


def _working_days_counted(groups: list[tuple[dt.date, dt.date, int]]) -> list[tuple[int, int]]:
    """(working days, how many cases) sorted by working days, from (opened, ended, count) groups."""
    pairs = [(first, last, count) for first, last, count in groups if first and last]
    if not pairs:
        return []
    lowest = min(min(first, last) for first, last, _ in pairs)
    highest = max(max(first, last) for first, last, _ in pairs)
    # Working days up to and including each day, so any span is one subtraction.
    running: dict[dt.date, int] = {}
    total = 0
    day = lowest
    while day <= highest:
        total += 1 if is_working_day(day) else 0
        running[day] = total
        day += dt.timedelta(days=1)
    by_days: dict[int, int] = {}
    for first, last, count in pairs:
        days = running[last] - running[first]
        by_days[days] = by_days.get(days, 0) + count
    return sorted(by_days.items())


def _weighted_median_p90(counted: list[tuple[int, int]], total: int) -> tuple[float | None, int | None]:
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


def _deadlines_met(filters: Filters, since: dt.datetime, until: dt.datetime) -> Table:
    deadlines = Deadline.objects.filter(due_at__gte=since, due_at__lt=until, cancelled_at__isnull=True)
    if filters.directorate_id is not None:
        deadlines = deadlines.filter(case__poster__service__directorate_id=filters.directorate_id)
    if filters.platform:
        deadlines = deadlines.filter(
            Exists(Report.objects.filter(case_id=OuterRef("case_id"), platform=filters.platform))
        )
    counts = {
        clock: (due, met)
        for clock, due, met in deadlines.order_by()
        .values_list("clock")
        .annotate(due=Count("pk"), met=Count("pk", filter=Q(met_at__lte=F("due_at"))))
    }
    rows = []
    for clock in Clock:
        due, met = counts.get(clock.value, (0, 0))
        rows.append((clock.label, due, met, round(100 * met / due, 1) if due else None))
    return Table(
        key="deadlines_met",
        title="Deadlines met, by stage",
        columns=("Stage", "Due in period", "Met in time", "Share met (%)"),
        rows=tuple(rows),
        note="Deadlines falling due in the period; cancelled deadlines are left out.",
    )


def _open_by_age(counts: dict) -> Table:
    at_least = [counts["open_now"], *(counts[f"age{i}"] for i in range(len(AGE_BANDS) - 1)), 0]
    rows = tuple((label, at_least[i] - at_least[i + 1]) for i, (label, _) in enumerate(AGE_BANDS))
    return Table(
        key="open_by_age",
        title="Open cases now, by age",
        columns=("Age", "Open cases"),
        rows=(*rows, (TOTAL, counts["open_now"])),
        note="Age in working days since the case was opened.",
        chart="bar",
    )


def _repeat_subjects(cases: QuerySet[Case], since: dt.datetime, until: dt.datetime) -> Table:
    people = (
        cases.filter(poster__isnull=False, created_at__lt=until)
        .order_by()
        .values("poster")
        .annotate(total=Count("pk"), in_period=Count("pk", filter=Q(created_at__gte=since)))
        .filter(total__gt=1, in_period__gte=1)
        .count()
    )
    return Table(
        key="repeat_subjects",
        title="Repeat subjects",
        columns=("Measure", "Number"),
        rows=(("People who are the subject of more than one case", people),),
        note="People with a case opened in the period and at least one other case opened by its end.",
    )


def _flags(counts: dict) -> Table:
    breaches, in_time = counts["data_breach"], counts["data_breach_in_time"]
    return Table(
        key="flags",
        title="Safeguarding and data-breach flags",
        columns=("Flag", "Cases flagged", "Assessed within 72 hours", "Share assessed within 72 hours (%)"),
        rows=(
            ("Safeguarding or welfare concern", counts["safeguarding"], None, None),
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
        rows=tuple((title, version, expires.isoformat()) for title, version, expires in rows),
        note="From the policy register, as at today; not affected by the filters.",
    )


def _trend(periods: list[tuple[str, dt.date, dt.date]], reports: dict, cases: dict) -> Table:
    rows = tuple(
        (label, reports[f"r{i}"], cases[f"o{i}"], cases[f"c{i}"]) for i, (label, _, _) in enumerate(periods)
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
        cases = cases.filter(poster__service__directorate_id=filters.directorate_id)
    if filters.platform:
        cases = cases.filter(Exists(Report.objects.filter(case_id=OuterRef("pk"), platform=filters.platform)))
    return cases


def _scoped_reports(filters: Filters) -> QuerySet[Report]:
    reports = Report.objects.all()
    if filters.directorate_id is not None:
        reports = reports.filter(case__poster__service__directorate_id=filters.directorate_id)
    if filters.platform:
        reports = reports.filter(platform=filters.platform)
    return reports


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=_zone())


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """``[start, end]`` in local days as a half-open ``[since, until)`` of instants."""
    return _midnight(start), _midnight(end + dt.timedelta(days=1))


def _period_counts(
    prefix: str, field: str, periods: Iterable[tuple[str, dt.date, dt.date]], extra: Q | None = None
) -> dict[str, Count]:
    counts = {}
    for index, (_, first, last) in enumerate(periods):
        since, until = _bounds(first, last)
        condition = Q(**{f"{field}__gte": since, f"{field}__lt": until})
        counts[f"{prefix}{index}"] = Count("pk", filter=condition & extra if extra else condition)
    return counts


def _month_start(day: dt.date, back: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def trend_periods(filters: Filters) -> list[tuple[str, dt.date, dt.date]]:
    """The last ``TREND_PERIODS`` periods ending at ``filters.end``: (label, first day, last day).

    Month, quarter and year are calendar ones; the last is cut short at ``end``.
    A custom period repeats the filter's own length backwards from ``end``.
    """
    end = filters.end
    periods = []
    if filters.period == Period.CUSTOM:
        length = dt.timedelta(days=(filters.end - filters.start).days + 1)
        for back in range(TREND_PERIODS - 1, -1, -1):
            last = end - length * back
            first = last - length + dt.timedelta(days=1)
            periods.append((f"{first:%-d %b %Y} to {last:%-d %b %Y}", first, last))
        return periods
    months = {Period.MONTH: 1, Period.QUARTER: 3, Period.YEAR: 12}.get(filters.period, 3)
    current = _month_start(end, (end.month - 1) % months)
    for back in range(TREND_PERIODS - 1, -1, -1):
        first = _month_start(current, back * months)
        last = min(_month_start(first, -months) - dt.timedelta(days=1), end)
        if months == 1:
            label = f"{first:%b %Y}"
        elif months == 3:
            label = f"{first:%b} to {_month_start(first, -2):%b %Y}"
        else:
            label = f"{first:%Y}"
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
    post_save.connect(governance_cache_bump, sender=_model, dispatch_uid=f"governance_bump_save_{_model.__name__}")
    post_delete.connect(
        governance_cache_bump, sender=_model, dispatch_uid=f"governance_bump_delete_{_model.__name__}"
    )
m2m_changed.connect(
    governance_cache_bump, sender=Case.principles.through, dispatch_uid="governance_bump_principles"
)
