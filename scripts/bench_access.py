"""Benchmark: what the case-access scopes cost on a million cases, plan by plan.

Not a test: it prints its figures. Run it from the project root with

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/flagpost_access_bench .venv/bin/python scripts/bench_access.py

Options: ``--cases 1000000``, ``--runs 5``, ``--keep`` (reuse an already
filled database: no drop, no fill), ``--timeout 60`` (seconds; any one query
running longer is cancelled by ``statement_timeout``, reported as cancelled
with the planner's plain ``EXPLAIN`` instead, and not timed).

Like the other ``scripts/bench_*.py`` it refuses any database whose name
doesn't end in ``_bench``, because it drops and recreates that database,
migrates it and fills it. The fill is ``scripts/benchfill.py``'s, as the
governance benchmark's (cases over three years, one to three reports each,
principles, flags, deadlines; about 15% of cases name the poster only by a
handle ``@handle_<n>``, 5,000 handles in all); its daily counts are not built,
no figure here reads them. On top of that fill it adds, with benchfill's pieces:

* 2,000 handle links: ``handle_0`` … ``handle_1999``, two to each of 1,000 staff;
* evidence files on the reports of every tenth case;
* 300,000 audit rows, one in ten without a case, the rest spread over the
  cases. Their hashes are placeholders (only reading the trail is measured
  here), so ``verify_audit`` reports this database's chain as broken.

then ANALYZE. Three of the linked staff are the personas: an HR lead, a triage
officer and an information governance lead, each the poster of about 140
cases and linked to two handles that name them on about 60 more, so about 200
cases are about each of them and every scope has to leave those out.

For each persona, and each query that persona's pages run, it prints the SQL
(exactly as Django sends it), ``EXPLAIN (ANALYZE, BUFFERS)``, whether any
plan reads the whole of ``casework_case``, ``incidents_report`` or
``audit_auditevent`` (a Seq Scan on it, or an index scan on it that no Index
Cond bounds and that read 10,000 rows or more), and the median of ``--runs``
runs in this process (database and Python, no HTTP; warm cache, after the
EXPLAIN).
The queries:

* the case list (``casework.views.case_list``): the paginator's count and the
  first page of visible cases, newest change first, with their annotations;
* the triage queue (``triage_queue``), for those who may see it: the same, new
  and in-triage cases, oldest first;
* a case page: ``get_object_or_404(visible_cases(user), reference=…)`` with the
  page's related rows (those prefetches are timed and checked for whole-table
  scans; only the case's own query is shown in full);
* ``access_history_cases(user).filter(pk=…)``, for those who may read access histories;
* ``visible_evidence_files(user).filter(pk=…)``;
* ``audit_log(LogFilters(), viewer=user)[:50]``, for those who may read the trail;
* ``cases_about(user)`` itself.

A query a persona's role never reaches (the triage queue for the IG lead, say)
is left out for that persona. It ends with a table of the medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from directory.models import User

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_governance  # its guard, environment and query log, shared rather than copied
import benchfill  # the benchmark database's shape, shared by the bench scripts

YEARS = 3
AUDIT_ROWS = 300_000
WATCHED_TABLES = ("casework_case", "incidents_report", "audit_auditevent")
WALK_ROWS = 10_000
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/flagpost_access_bench"


def _s(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


# --- Filling ---------------------------------------------------------------------------


def fill_access() -> None:
    """Handle links, evidence files and audit rows on top of the governance fill; then ANALYZE."""
    from django.db import connection

    from casework.models import HandleLink
    from directory.models import User

    if HandleLink.objects.exists():
        print("  handle links, evidence files and audit rows already there; kept")
        return
    started = time.perf_counter()
    user_min = User.objects.order_by("pk").values_list("pk", flat=True)[0]
    # Every fifth member of staff has two handles: handle_<2i> and handle_<2i + 1>.
    benchfill.handle_links(user_min=user_min)
    benchfill.evidence_files()
    with connection.cursor() as cursor:
        cursor.execute('SELECT min(id), max(id) FROM "casework_case"')
        case_min, case_max = cursor.fetchone()
    # The hashes are placeholders (only reading the trail is measured here).
    benchfill.audit(
        audit_rows=AUDIT_ROWS, case_min=case_min, ncases=case_max - case_min + 1, user_min=user_min
    )
    step = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ("casework_handlelink", "incidents_evidencefile", "audit_auditevent"):
            cursor.execute(f'VACUUM ANALYZE "{table}"')
        cursor.execute("ANALYZE")
    print(f"  vacuum analyze in {_s(time.perf_counter() - step)}")
    print(f"  added in {_s(time.perf_counter() - started)}")


# --- The personas ----------------------------------------------------------------------


@dataclass
class Persona:
    title: str
    user: User
    about: set[int] = field(default_factory=set)
    case_pk: int = 0
    case_reference: str = ""
    file_pk: int = 0


def _about(user: User) -> set[int]:
    """The cases about ``user``, found arm by arm (each an indexed lookup), to set the scene.

    The same four ways as ``casework.access.cases_about``, asked one at a time so that choosing the
    personas' example cases doesn't depend on the queries being measured.
    """
    from casework.models import Case, HandleLink
    from incidents.models import Report

    handles = list(HandleLink.objects.filter(user_id=user.pk).values_list("handle", flat=True))
    return (
        set(Case.objects.filter(poster_id=user.pk).values_list("pk", flat=True))
        | set(Case.objects.filter(poster_handle_key__in=handles).values_list("pk", flat=True))
        | set(Report.objects.filter(poster_id=user.pk).values_list("case_id", flat=True))
        | set(
            Report.objects.filter(poster_handle_key__in=handles).values_list("case_id", flat=True)
        )
    )


def personas() -> list[Persona]:
    """The first three linked members of staff, given one role each (again, harmlessly, with --keep)."""
    from django.db.models import Q

    from casework.models import Case, CaseState, HandleLink
    from directory.models import Role, User, role_group
    from incidents.models import EvidenceFile

    # Where each persona's example case comes from: cases their role opens (see visible_cases).
    roles = [
        ("HR lead", Role.HR_LEAD, Q()),
        ("Triage officer", Role.TRIAGE_OFFICER, Q(state__in=[CaseState.NEW, CaseState.TRIAGE])),
        ("IG lead", Role.IG_LEAD, Q(flag_data_breach=True)),
    ]
    linked = list(
        HandleLink.objects.order_by("user_id").values_list("user_id", flat=True).distinct()[:3]
    )
    middle = Case.objects.order_by("-pk").values_list("pk", flat=True)[0] // 2
    chosen = []
    for (title, role, opens), user_id in zip(roles, linked):
        user = User.objects.get(pk=user_id)
        user.groups.set([role_group(role)])
        user = User.objects.get(pk=user_id)  # roles read afresh
        persona = Persona(title, user, _about(user))
        # A case in the middle of the table that the persona may open, with evidence files (every tenth case).
        for pk, reference in (
            Case.objects.filter(opens, pk__gte=middle)
            .order_by("pk")
            .values_list("pk", "reference")[:500]
        ):
            if pk % 10 == 0 and pk not in persona.about:
                persona.case_pk, persona.case_reference = pk, reference
                break
        if not persona.case_pk:
            sys.exit(
                f"No case with evidence files that the {title} may open: is the database filled?"
            )
        persona.file_pk = (
            EvidenceFile.objects.filter(report__case_id=persona.case_pk)
            .order_by("pk")
            .values_list("pk", flat=True)[0]
        )
        handles = list(user.handles.order_by("handle").values_list("handle", flat=True))
        print(
            f"  {title}: {user.email} (user {user.pk}), handles {', '.join('@' + h for h in handles)}; "
            f"{len(persona.about)} cases about them "
            f"({Case.objects.filter(poster=user).count()} as the poster); "
            f"case page {persona.case_reference}, evidence file {persona.file_pk}"
        )
        chosen.append(persona)
    return chosen


# --- Measuring -------------------------------------------------------------------------


QueryLog = bench_governance.QueryLog


@dataclass
class Measure:
    label: str
    run: Callable[[], object]
    shown: int | None = None  # how many of its queries are shown in full (None: all)


def measures(persona: Persona) -> list[Measure]:
    from django.core.paginator import Paginator

    from audit.selectors import LogFilters, audit_log
    from casework import views
    from casework.access import (
        _may_read_access_history,
        access_history_cases,
        cases_about,
        may_see_audit_log,
        may_see_triage_queue,
        visible_cases,
        visible_evidence_files,
    )
    from casework.models import CaseState

    user = persona.user

    def page(cases: QuerySet[Any]) -> list:
        # What _render_list does with no filters: the paginator's count, then the first page.
        return list(Paginator(cases, views.PAGE_SIZE).get_page(1).object_list)

    found = [
        Measure(
            "case list, first page",
            lambda: page(views._listing(visible_cases(user)).order_by("-updated_at", "-pk")),
        ),
    ]
    if may_see_triage_queue(user):
        found.append(
            Measure(
                "triage queue, first page",
                lambda: page(
                    views._listing(visible_cases(user))
                    .filter(state__in=[CaseState.NEW, CaseState.TRIAGE])
                    .order_by("created_at", "pk")
                ),
            )
        )
    found.append(
        Measure(
            f"case page {persona.case_reference}",
            lambda: views._case_for_page(user, persona.case_reference),
            shown=1,
        )
    )
    if _may_read_access_history(user):
        found.append(
            Measure(
                f"access_history_cases(user).filter(pk={persona.case_pk})",
                lambda: list(access_history_cases(user).filter(pk=persona.case_pk)),
            )
        )
    found.append(
        Measure(
            f"visible_evidence_files(user).filter(pk={persona.file_pk})",
            lambda: list(visible_evidence_files(user).filter(pk=persona.file_pk)),
        )
    )
    if may_see_audit_log(user):
        found.append(
            Measure(
                "audit_log(LogFilters(), viewer=user)[:50]",
                lambda: list(audit_log(LogFilters(), viewer=user)[:50]),
            )
        )
    found.append(Measure("cases_about(user)", lambda: list(cases_about(user))))
    return found


def _rows(figures: str) -> int:
    """The rows a plan node read: actual rows times loops when it ran, else the planner's estimate."""
    actual = figures.partition("(actual ")[2]
    part = actual if actual else figures
    rows = int(part.partition("rows=")[2].split()[0].rstrip(")"))
    loops = int(actual.partition("loops=")[2].split()[0].rstrip(")")) if actual else 1
    return rows * loops


def _whole_table_scans(plan: list[str]) -> list[str]:
    """The plan's reads of a whole watched table, as each node's first line (actual figures, or the
    estimate if the query wasn't run): every Seq Scan on it, and every index scan on it that no
    Index Cond bounds and that read at least WALK_ROWS rows when it ran (a walk of the whole
    index; a walk in index order stopped early by a LIMIT is not one)."""
    found = []
    for number, line in enumerate(plan):
        node = line.strip().removeprefix("->").strip()
        name, _, rest = node.partition("  (")
        if " on " not in name or name.split(" on ")[1].split()[0] not in WATCHED_TABLES:
            continue
        if "Index" in name.split(" on ")[0]:
            depth = len(line) - len(line.lstrip())
            details = []
            for following in plan[number + 1 :]:
                if len(following) - len(
                    following.lstrip()
                ) <= depth or following.strip().startswith("->"):
                    break
                details.append(following.strip())
            # "Index Cond: (id IS NOT NULL)" (the HR lead's every-case scope) bounds nothing either.
            if any(
                detail.startswith("Index Cond:") and not detail.endswith(" IS NOT NULL)")
                for detail in details
            ):
                continue
            if "(actual " not in rest or _rows(rest) < WALK_ROWS:
                continue  # unrun, an estimate can't tell a whole walk from one a LIMIT stops early
            name += ", no bounding Index Cond"
        elif "Seq Scan" not in name:
            continue
        actual = rest.partition("(actual ")[2]
        found.append(
            f"{name} (actual {actual}" if actual else f"{name} ({rest.partition(')')[0]}, not run)"
        )
    return found


def _cancelled(error: Exception) -> bool:
    from psycopg.errors import QueryCanceled

    return isinstance(error.__cause__, QueryCanceled)


def explain(sql: str, params: Any, *, analyze: bool = True) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {'(ANALYZE, BUFFERS) ' if analyze else ''}" + sql, params)
        return [row[0] for row in cursor.fetchall()]


def _once(measure: Measure) -> tuple[float, list[tuple[float, str, Any]], bool]:
    """One run: its time, its queries, and whether the statement timeout cancelled one of them."""
    from django.db import OperationalError, connection

    log = QueryLog()
    with connection.execute_wrapper(log):
        started = time.perf_counter()
        try:
            measure.run()
        except OperationalError as error:
            if not _cancelled(error):
                raise
            return time.perf_counter() - started, log.queries, True
        return time.perf_counter() - started, log.queries, False


def measure(measure: Measure, runs: int, timeout: float) -> tuple[float | None, list[str]]:
    """Print the query's SQL, plans and scans; return the median of ``runs`` runs (None: cancelled)
    and the whole-table scan lines."""
    from django.db import OperationalError, connection

    _, queries, over = _once(measure)
    print(f"\n  -- {measure.label}: {len(queries)} {'query' if len(queries) == 1 else 'queries'}")
    scans: list[str] = []
    for number, (_, sql, params) in enumerate(queries):
        note = "EXPLAIN (ANALYZE, BUFFERS)"
        try:
            if over and number == len(queries) - 1:
                raise OperationalError("cancelled before") from None
            plan = explain(sql, params)
        except OperationalError as error:
            if error.__cause__ is not None and not _cancelled(error):
                raise
            plan = explain(sql, params, analyze=False)
            note = f"EXPLAIN (the query was cancelled after {timeout:g} s, so the planner's estimates only)"
        found = _whole_table_scans(plan)
        scans += found
        took = next(
            (line.split(":", 1)[1].strip() for line in plan if line.startswith("Execution Time")),
            "cancelled",
        )
        if measure.shown is not None and number >= measure.shown:
            print(
                f"     prefetch {number}: {took}, "
                f"{'whole-table scans: ' + '; '.join(found) if found else 'no whole-table scan'}"
                f"  [{sql.split(' FROM ', 1)[-1].split()[0]}]"
            )
            continue
        print(f"     SQL {number + 1}: {connection.ops.compose_sql(sql, params)}")  # type: ignore[attr-defined]  # PostgreSQL's operations; the benchmark runs only there
        print(f"     {note}:")
        for line in plan:
            print("       " + line)
        print(
            "     whole-table scans:" + "".join(f"\n       {line}" for line in found)
            if found
            else "     whole-table scans: none"
        )
    if over:
        print(f"     not timed: cancelled after {timeout:g} s (statement_timeout)")
        return None, scans
    times: list[float] = []
    db_times: list[float] = []
    for _ in range(runs):
        seconds, queries, over = _once(measure)
        if over:
            print(f"     run {len(times) + 1} cancelled after {timeout:g} s (statement_timeout)")
            return None, scans
        times.append(seconds)
        db_times.append(sum(t for t, _, _ in queries))
    median = statistics.median(times)
    print(
        f"     median of {runs} runs: {_s(median)} (database {_s(statistics.median(db_times))}); "
        f"runs {', '.join(_s(t) for t in times)}"
    )
    return median, scans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--keep", action="store_true", help="Reuse the filled database: no drop, no fill."
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=60,
        help="Cancel any one query after this many seconds (statement_timeout).",
    )
    arguments = parser.parse_args()

    if not os.environ.get("DATABASE_URL"):
        sys.exit(f"Set DATABASE_URL, e.g. {DEFAULT_URL}")
    bench_governance._environment()
    bench_governance._database_check(recreate=not arguments.keep)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from casework.models import Case

    if not arguments.keep:
        print(f"Database {connection.settings_dict['NAME']} (recreated); migrating …")
        call_command("migrate", verbosity=0)
        print(
            f"Filling {arguments.cases:,} cases over {YEARS} years (the governance fill, no daily counts) …"
        )
        bench_governance.fill(cases=arguments.cases, years=YEARS)
    else:
        call_command("migrate", verbosity=0)
        print(f"Database {connection.settings_dict['NAME']} kept ({Case.objects.count():,} cases)")
        if not Case.objects.exists():
            sys.exit("It has no cases: run without --keep to fill it.")
    print("Handle links, evidence files and audit rows …")
    fill_access()
    print("Personas:")
    people = personas()

    with connection.cursor() as cursor:
        cursor.execute(f"SET statement_timeout = {int(arguments.timeout * 1000)}")
    table: list[tuple[str, str, float | None, list[str]]] = []
    for persona in people:
        print(f"\n== {persona.title} ==")
        for item in measures(persona):
            median, scans = measure(item, arguments.runs, arguments.timeout)
            table.append((persona.title, item.label, median, scans))

    print(
        "\nMedians (ms), and the tables of casework_case / incidents_report / audit_auditevent read whole:"
    )
    width = max(len(label) for _, label, _, _ in table)
    for title, label, median, scans in table:
        tables = sorted({line.split(" on ")[1].split()[0].rstrip(",") for line in scans})
        figure = (
            f"{median * 1000:,.1f}" if median is not None else f"> {arguments.timeout * 1000:,.0f}"
        )
        print(f"  {title:<15} {label:<{width}} {figure:>10}  {', '.join(tables) or '-'}")


if __name__ == "__main__":
    main()
