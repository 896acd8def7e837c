"""Benchmark: the governance figures and the committee pack on a million cases.

Not a test: it prints its figures. Run it from the project root with

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/flagpost_gov_bench .venv/bin/python scripts/bench_governance.py

Options: ``--cases 1000000``, ``--years 3`` (the cases are spread evenly over
that many years back from today, so a one-year filter sees about a third),
``--runs 3``, ``--keep`` (reuse an already filled database: no drop, no fill).

Like ``scripts/bench_reminders.py`` it refuses any database whose name doesn't
end in ``_bench``, because it drops and recreates that database, migrates it
and fills it. The fill is ``scripts/benchfill.py``'s ``fill`` (server-side
SQL, the same shape as the access and pages benchmarks): 5,055 staff, cases,
one to three reports each, one or two principles each, safeguarding and
data-breach flags, and the deadline rows of the stages each case went through
(due times a plain number of days after the start, not the working-day
calendar: the figures only compare ``met_at`` with ``due_at``).

After the fill it builds the daily counts the figures are read from
(``governance.rollup.rollup_rebuild``, a one-off; with ``--keep``, whatever is
marked as changed is counted instead) and prints how long that took.

Then it times ``governance_figures`` for a one-year ``Filters`` (monthly
trend) with the figures cache cleared before each run, in this process (server
time only, no HTTP): the median of ``--runs`` runs, split into time in the
database and time in Python, and the slowest queries. It runs ``EXPLAIN
(ANALYZE, BUFFERS)`` on the slowest query and says whether indexes are used.
It times counting 100 and 1,000 changed cases (the refresh every reading of
the figures does first, and the beat task does every minute). Last it times
``governance.pack.committee_pack_render`` on those figures. Targets:
dashboard figures under 1 s, pack under 10 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from governance.figures import Figures

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import benchfill  # the benchmark database's shape, shared by the bench scripts

DASHBOARD_TARGET = 1.0
PACK_TARGET = 10.0


def _environment() -> None:
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/flagpost_gov_bench")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "false",  # no query log kept in memory, as in production
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-" + "x" * 40),
            "ALLOWED_HOSTS": "localhost",
            "LOG_LEVEL": "WARNING",
        }
    )


def _database_check(*, recreate: bool) -> None:
    """As in bench_reminders.py: PostgreSQL only, a name ending in _bench, dropped and created again."""
    import environ
    import psycopg

    config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    name = config["NAME"]
    if "postgresql" not in config["ENGINE"]:
        sys.exit(f"Refusing to run: {config['ENGINE']} is not PostgreSQL.")
    if not name.endswith("_bench"):
        sys.exit(
            f"Refusing to run against database {name!r}: its name must end in _bench "
            "(it is dropped and recreated)."
        )
    if not recreate:
        return
    with psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def _s(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


# --- Filling ---------------------------------------------------------------------------

# The shape is scripts/benchfill.py's, shared with the access and pages benchmarks.
_insert = benchfill.insert


def fill(*, cases: int, years: int) -> None:
    benchfill.fill(cases=cases, years=years)


# --- Measuring -------------------------------------------------------------------------


class QueryLog:
    """Each query's SQL, parameters and time, through Django's execute wrapper."""

    def __init__(self) -> None:
        self.queries: list[tuple[float, str, Any]] = []

    def __call__(
        self,
        execute: Callable[..., Any],
        sql: str,
        params: Any,
        many: bool,
        context: dict[str, Any],
    ) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((time.perf_counter() - started, sql, params))


def _cold_cache() -> None:
    from django.conf import settings
    from django.core.cache import cache

    from governance.selectors import governance_cache_bump

    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        cache.clear()
    else:  # a shared cache: don't flush other people's keys, just move the figures' version on
        governance_cache_bump()


def _label(sql: str) -> str:
    sql = " ".join(sql.split())
    table = next((word.strip('"') for word in sql.split(" FROM ", 1)[-1].split()[:1]), "?")
    return f"{table}: {sql[:110]}…"


def count(*, rebuild: bool) -> None:
    """Bring the daily counts up to date: from nothing after a fill (or when most cases are marked,
    as after the migration that adds them), else whatever is marked as changed."""
    from casework.models import CaseChange
    from governance.models import DailyCount
    from governance.rollup import rollup_rebuild, rollup_refresh

    rebuild = rebuild or CaseChange.objects.count() > 50_000
    started = time.perf_counter()
    cases = rollup_rebuild() if rebuild else rollup_refresh()
    seconds = time.perf_counter() - started
    if cases:
        print(
            f"Daily counts {'rebuilt' if rebuild else 'brought up to date'} for {cases:,} cases in "
            f"{_s(seconds)} ({DailyCount.objects.count():,} rows); a one-off after the fill, "
            "not part of any dashboard request"
        )


def refresh_after_changes(changed: int) -> None:
    """Time counting ``changed`` cases marked as changed, as a busy few minutes of casework would."""
    from django.db import connection

    from casework.changes import cases_changed
    from governance.rollup import rollup_refresh

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM casework_case TABLESAMPLE SYSTEM (1) LIMIT %s", [changed])
        ids = [row[0] for row in cursor.fetchall()]
    cases_changed(ids)
    started = time.perf_counter()
    done = rollup_refresh()
    print(
        f"Counting {done:,} changed cases (what a refresh does before the figures are read): "
        f"{_s(time.perf_counter() - started)}"
    )


def measure(runs: int) -> tuple[Figures, list[tuple[float, str, Any]]]:
    from django.db import connection
    from django.utils import timezone

    from governance.figures import Filters, Period
    from governance.selectors import governance_figures

    today = timezone.localdate()
    filters = Filters(
        start=today.replace(year=today.year - 1) + dt.timedelta(days=1),
        end=today,
        period=Period.MONTH,
    )
    print(
        f"governance_figures({filters.start} to {filters.end}, monthly trend), cold cache, {runs} runs:"
    )
    totals, db_times, logs = [], [], []
    figures = None
    for number in range(runs):
        _cold_cache()
        log = QueryLog()
        with connection.execute_wrapper(log):
            started = time.perf_counter()
            figures = governance_figures(filters)
            total = time.perf_counter() - started
        db = sum(t for t, _, _ in log.queries)
        totals.append(total)
        db_times.append(db)
        logs.append(log.queries)
        print(
            f"  run {number + 1}: {_s(total)} ({_s(db)} in {len(log.queries)} queries, {_s(total - db)} in Python)"
        )
    median = statistics.median(totals)
    verdict = "meets" if median < DASHBOARD_TARGET else "MISSES"
    print(
        f"  median {_s(median)}: {verdict} the {DASHBOARD_TARGET:g} s target "
        f"(median database time {_s(statistics.median(db_times))})"
    )
    slowest = sorted(logs[totals.index(median)], key=lambda q: q[0], reverse=True)
    print("  slowest queries of the median run:")
    for seconds, sql, _ in slowest[:6]:
        print(f"    {_s(seconds):>9}  {_label(sql)}")
    assert figures is not None  # median() above has already refused zero runs
    return figures, slowest


def explain(slowest: list[tuple[float, str, Any]]) -> None:
    from django.db import connection

    _, sql, params = slowest[0]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
    print("EXPLAIN (ANALYZE, BUFFERS) of the slowest query:")
    for line in plan[:40]:
        print("    " + line)
    if len(plan) > 40:
        print(f"    … {len(plan) - 40} more lines")
    text = "\n".join(plan)
    seq = sorted({line.split(" on ")[1].split()[0] for line in plan if "Seq Scan on " in line})
    indexes = sorted(
        {
            line.split(" using ")[1].split()[0]
            for line in plan
            if "Index" in line and " using " in line
        }
        | {
            line.split("Bitmap Index Scan on ")[1].split()[0]
            for line in plan
            if "Bitmap Index Scan on " in line
        }
    )
    print(f"  indexes used: {', '.join(indexes) or 'none'}")
    print(f"  sequential scans: {', '.join(seq) or 'none'}")
    if "Parallel" in text:
        print("  (the plan runs in parallel workers)")


def pack(figures: Figures) -> None:
    try:
        from governance.pack import committee_pack_render
    except ImportError:
        print("Committee pack: governance.pack.committee_pack_render isn't there yet; skipped.")
        return
    started = time.perf_counter()
    pdf = committee_pack_render(figures)
    seconds = time.perf_counter() - started
    verdict = "meets" if seconds < PACK_TARGET else "MISSES"
    print(
        f"Committee pack: {len(pdf):,} bytes in {_s(seconds)}: {verdict} the {PACK_TARGET:g} s target"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--keep", action="store_true", help="Reuse the filled database: no drop, no fill."
    )
    arguments = parser.parse_args()

    _environment()
    _database_check(recreate=not arguments.keep)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if not arguments.keep:
        print(f"Database {connection.settings_dict['NAME']} (recreated); migrating …")
        call_command("migrate", verbosity=0)
        print(f"Filling {arguments.cases:,} cases over {arguments.years} years …")
        fill(cases=arguments.cases, years=arguments.years)
    else:
        step = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(
            f"Database {connection.settings_dict['NAME']} kept; migrations applied in "
            f"{_s(time.perf_counter() - step)}"
        )
    count(rebuild=not arguments.keep)
    figures, slowest = measure(arguments.runs)
    explain(slowest)
    for changed in (100, 1000):
        refresh_after_changes(changed)
    pack(figures)


if __name__ == "__main__":
    main()
