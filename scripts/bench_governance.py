"""Benchmark: the governance figures and the committee pack on a million cases.

Not a test: it prints its figures. Run it from the project root with

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/flagpost_gov_bench .venv/bin/python scripts/bench_governance.py

Options: ``--cases 1000000``, ``--years 3`` (the cases are spread evenly over
that many years back from today, so a one-year filter sees about a third),
``--runs 3``, ``--keep`` (reuse an already filled database: no drop, no fill).

Like ``scripts/bench_reminders.py`` it refuses any database whose name doesn't
end in ``_bench``, because it drops and recreates that database, migrates it
and fills it. The fill is server-side SQL (``INSERT … SELECT … FROM
generate_series``): cases, one to three reports each, one or two principles
each, safeguarding and data-breach flags, and the deadline rows of the stages
each case went through (due times a plain number of days after the start, not
the working-day calendar: the figures only compare ``met_at`` with ``due_at``).

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
    from django.db.models import Model

    from governance.figures import Figures

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DASHBOARD_TARGET = 1.0
PACK_TARGET = 10.0
USERS = 5_000
PLATFORMS = [
    "facebook",
    "facebook",
    "facebook",
    "x",
    "x",
    "instagram",
    "instagram",
    "tiktok",
    "tiktok",
    "linkedin",
    "youtube",
    "blog",
    "flickr",
    "other",
]


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


def _insert(model: type[Model], expressions: dict[str, str], source: str) -> str:
    """``INSERT INTO table (every column but id) SELECT …`` with a neutral value for every column not given."""
    from django.db.models import BooleanField, CharField, TextField

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        column = field.column
        if column in expressions:
            value = expressions[column]
        elif field.null:
            value = "NULL"
        elif isinstance(field, BooleanField):
            value = "TRUE" if field.get_default() else "FALSE"
        elif isinstance(field, (CharField, TextField)):
            value = f"'{field.get_default() or ''}'"
        elif field.has_default() and isinstance(field.get_default(), int):
            value = str(field.get_default())
        else:
            raise ValueError(f"No value for {model.__name__}.{field.name}")
        columns.append(f'"{column}"')
        values.append(value)
    return f'INSERT INTO "{model._meta.db_table}" ({", ".join(columns)}) SELECT {", ".join(values)} {source}'


def fill(*, cases: int, years: int) -> None:
    from django.db import connection

    from casework.models import Case
    from deadlines.models import Clock, Deadline
    from deadlines.services import rule_for
    from directory.models import Directorate, Service, User
    from incidents.models import Report
    from policies.models import Principle
    from policies.services import register_load

    started = time.perf_counter()
    register_load()
    for kind in Clock:
        rule_for(kind)
    services = []
    for d in range(8):
        directorate = Directorate.objects.create(name=f"Bench directorate {d + 1}")
        services += [
            Service.objects.create(directorate=directorate, name=f"Service {s + 1}")
            for s in range(5)
        ]
    service_ids = ",".join(str(s.pk) for s in services)
    principle_ids = ",".join(
        str(pk) for pk in Principle.objects.order_by("pk").values_list("pk", flat=True)
    )
    span = years * 365 * 86400
    platforms = ",".join(f"'{p}'" for p in PLATFORMS)

    def run(label: str, sql: str) -> None:
        step = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql)
            rows = cursor.rowcount
        print(f"  {label}: {rows:,} rows in {_s(time.perf_counter() - step)}")

    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SELECT setseed(0.2026)")

    run(
        "users",
        _insert(
            User,
            {
                "password": "'!'",
                "is_superuser": "FALSE",
                "first_name": "'Bench'",
                "last_name": "'Person ' || g",
                "email": "'bench.' || g || '@trust.example'",
                "is_staff": "FALSE",
                "is_active": "TRUE",
                "date_joined": "now()",
                "employment_type": "'permanent'",
                "email_preference": "'immediate'",
                "service_id": f"(ARRAY[{service_ids}])[1 + g % {len(services)}]",
            },
            f"FROM generate_series(1, {USERS}) g",
        ),
    )
    user_min, user_max = (
        User.objects.order_by("pk").values_list("pk", flat=True)[0],
        User.objects.order_by("-pk").values_list("pk", flat=True)[0],
    )
    users = f"({user_min} + floor(%s * {user_max - user_min + 1})::int)"

    # r1: state, r2: closure/outcome, r3: triage delay, r4: time to close, r5: flags, r6: poster, r7: breach delay
    created = f"(now() - make_interval(secs => r0 * {span}))"
    closed = f"(r1 < 0.88 AND r0 * {span} > 86400 * 3)"
    run(
        "cases",
        _insert(
            Case,
            {
                "reference": "'BEN-' || lpad(g::text, 8, '0')",
                "state": f"CASE WHEN {closed} THEN 'closed' WHEN r1 < 0.91 THEN 'new' WHEN r1 < 0.94 THEN 'triage' "
                "WHEN r1 < 0.96 THEN 'manager_review' WHEN r1 < 0.985 THEN 'investigation' ELSE 'decision' END",
                "revision": "1",
                "created_at": created,
                "updated_at": created,
                "poster_id": f"CASE WHEN r6 < 0.7 THEN {users % 'r6 / 0.7'} END",
                "poster_handle": "CASE WHEN r6 >= 0.85 THEN '@handle_' || (g % 5000) ELSE '' END",
                "poster_handle_key": "CASE WHEN r6 >= 0.85 THEN 'handle_' || (g % 5000) ELSE '' END",
                "triage_started_at": f"CASE WHEN {closed} AND r2 < 0.04 THEN NULL WHEN {closed} OR r1 >= 0.91 "
                f"THEN {created} + make_interval(secs => r3 * 172800) END",
                "closure": f"CASE WHEN NOT {closed} THEN '' WHEN r2 < 0.04 THEN 'withdrawn' WHEN r2 < 0.34 THEN 'dismissed' "
                "WHEN r2 < 0.67 THEN 'resolved_informally' ELSE 'outcome' END",
                "dismissal_reason": f"CASE WHEN {closed} AND r2 >= 0.04 AND r2 < 0.34 THEN 'no_breach' ELSE '' END",
                "outcome": f"CASE WHEN {closed} AND r2 >= 0.67 THEN (ARRAY['no_case_to_answer','informal_management',"
                "'first_written_warning','final_written_warning','dismissal','referral_regulator',"
                "'referral_police'])[1 + (g % 7)] ELSE '' END",
                "closed_at": f"CASE WHEN {closed} THEN {created} + make_interval(secs => 86400 + r4 * 86400 * 60) END",
                "flag_safeguarding": "r5 < 0.05",
                "safeguarding_flagged_at": f"CASE WHEN r5 < 0.05 THEN {created} END",
                "flag_data_breach": "r5 >= 0.05 AND r5 < 0.13",
                "data_breach_aware_at": f"CASE WHEN r5 >= 0.05 AND r5 < 0.13 THEN {created} END",
                "data_breach_assessed_at": f"CASE WHEN r5 >= 0.05 AND r5 < 0.13 THEN {created} "
                "+ make_interval(secs => r7 * 3600 * 100) END",
                "flag_official_account": "r5 >= 0.97",
            },
            "FROM (SELECT g, random() r0, random() r1, random() r2, random() r3, random() r4, random() r5, "
            f"random() r6, random() r7 FROM generate_series(1, {cases}) g) s",
        ),
    )
    run(
        "case directorates",
        'UPDATE "casework_case" c SET directorate_id = s.directorate_id '
        'FROM "directory_user" u JOIN "directory_service" s ON s.id = u.service_id WHERE u.id = c.poster_id',
    )
    run(
        "reports",
        _insert(
            Report,
            {
                "reference": "c.reference || '-' || k",
                "case_id": "c.id",
                "reporter_id": f"{user_min} + (c.id * 7 + k * 131) % {user_max - user_min + 1}",
                "submitted_at": "c.created_at + make_interval(hours => (k - 1) * 5)",
                "submission_token": "gen_random_uuid()",
                "platform": f"(ARRAY[{platforms}])[1 + (c.id * 31) % {len(PLATFORMS)}]",
                "seen_at": "c.created_at - interval '3 hours'",
                "description": "'A post.'",
                "poster_kind": "CASE WHEN c.poster_id IS NOT NULL THEN 'colleague' WHEN c.poster_handle <> '' "
                "THEN 'handle' ELSE 'unknown' END",
                "poster_id": "c.poster_id",
                "poster_handle": "c.poster_handle",
                "poster_handle_key": "c.poster_handle_key",
                "shows_patient": "'no'",
                "welfare_risk": "'no'",
                "confidential": "FALSE",
            },
            'FROM "casework_case" c CROSS JOIN LATERAL generate_series(1, 1 + (c.id % 5 = 0)::int '
            "+ (c.id % 17 = 0)::int) k",
        ),
    )
    through = Case.principles.through._meta.db_table
    run(
        "case principles",
        f'INSERT INTO "{through}" (case_id, principle_id) '
        f"SELECT c.id, (ARRAY[{principle_ids}])[1 + (c.id * 13) % {principle_ids.count(',') + 1}] "
        'FROM "casework_case" c UNION '
        f"SELECT c.id, (ARRAY[{principle_ids}])[1 + (c.id * 29 + 5) % {principle_ids.count(',') + 1}] "
        'FROM "casework_case" c WHERE c.id % 3 = 0',
    )

    # Deadlines: the stage clocks each case went through, met on time about four times in five.
    stages = [
        ("triage_start", "c.created_at", "1", "c.triage_started_at", "TRUE"),
        (
            "triage_complete",
            "c.triage_started_at",
            "3",
            "CASE WHEN c.state = 'closed' THEN c.closed_at END",
            "c.triage_started_at IS NOT NULL",
        ),
        (
            "manager_decision",
            "c.triage_started_at + interval '2 days'",
            "5",
            "CASE WHEN c.state = 'closed' THEN c.closed_at END",
            "c.triage_started_at IS NOT NULL AND c.closure IN ('resolved_informally', 'outcome')",
        ),
        (
            "investigation",
            "c.triage_started_at + interval '5 days'",
            "28",
            "CASE WHEN c.state = 'closed' THEN c.closed_at - interval '3 days' END",
            "c.closure = 'outcome' OR c.state IN ('investigation', 'decision')",
        ),
        (
            "decision",
            "c.closed_at - interval '3 days'",
            "7",
            "c.closed_at",
            "c.closure = 'outcome'",
        ),
        (
            "safeguarding",
            "c.safeguarding_flagged_at",
            "0.1667",
            "c.safeguarding_flagged_at + make_interval(secs => (c.id % 10) * 2400)",
            "c.flag_safeguarding",
        ),
        (
            "data_breach",
            "c.data_breach_aware_at",
            "3",
            "c.data_breach_assessed_at",
            "c.flag_data_breach",
        ),
    ]
    for clock, start, days, met, condition in stages:
        due = f"({start} + make_interval(secs => {days} * 86400))"
        run(
            f"deadlines {clock}",
            _insert(
                Deadline,
                {
                    "case_id": "c.id",
                    "clock": f"'{clock}'",
                    "cycle": "0",
                    "started_at": start,
                    "due_at": due,
                    "remind_at": f"{start} + make_interval(secs => {days} * 43200)",
                    "escalate_at": f"{due} + interval '2 days'",
                    "met_at": met,
                    "cancelled_at": f"CASE WHEN c.state = 'closed' AND ({met}) IS NULL AND '{clock}' NOT IN "
                    "('safeguarding', 'data_breach') THEN c.closed_at END",
                },
                f'FROM "casework_case" c WHERE {condition}',
            ),
        )
    with connection.cursor() as cursor:
        step = time.perf_counter()
        cursor.execute("VACUUM ANALYZE")
    print(f"  vacuum analyze in {_s(time.perf_counter() - step)}")
    print(f"  filled in {_s(time.perf_counter() - started)}")


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
