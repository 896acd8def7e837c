"""Benchmark: every page type, served by gunicorn, on a million cases.

Not a test: it prints its figures. Run it from the project root with

    .venv/bin/python scripts/bench_pages.py

(``DATABASE_URL`` defaults to postgres://postgres@127.0.0.1:5432/flagpost_pages_bench). Like the
other ``scripts/bench_*.py`` it refuses any database whose name doesn't end in ``_bench``: it
drops, recreates, migrates and fills it with ``scripts/benchfill.py``'s shape (1,000,000 cases
over three years, 1.26M reports and their evidence links, 5,055 staff in every role, 3.7M
timeline events, ``--audit-rows`` audit rows, 3.26M deadlines, 514k notifications, and the worst
cases: a poster with 500 cases, a case with 200 events and 30 reports, a reporter with 50
reports, an inbox of 10,000). ``--keep`` reuses a filled database: migrations only.

Then it serves the app with gunicorn (``gunicorn.conf.py``, production settings: DEBUG off, a
secret key, a Redis cache so the governance cache can be cleared from here), signs in as each
persona (a session made by Django's own ``login``), and for every page type times ``--requests``
requests at concurrency 1 and 4: p50 and p95 of the server's time (gunicorn's access log,
``%(M)s``) and of the client's, and the ratio of the page's server p50 to that of a bare
signed-in page timed in the same run (``--bare-url``, by default the "Your sign-in" page: the
session, the user and the site's header, nothing else). Requests ask for HTML as a browser does.
Deep pages are reached by following the pages' own links
(``rel="last"`` if there is one, else ``rel="next"`` up to ``--deep-steps`` times; a numbered
"Page x of y" list is jumped to its last page), so the harness needs no list's internals. A
request is cut off after ``--timeout`` seconds (the client, and ``statement_timeout`` on the
server) and counted as a timeout; a page whose first request takes over a second is timed
with fewer requests. Each page's query count is taken in this process (Django's test client
and ``CaptureQueriesContext`` on the same database).

Goals (issue 14): every page ≤100 ms server p95 and ≤3× the bare page at c1 and c4; searches
≤50 ms; governance one year, cache cleared, ≤500 ms (no ratio). It prints a table and exits
non-zero on any missed goal, naming each.

``--explain`` instead runs each page once in this process, then ``EXPLAIN (ANALYZE, BUFFERS)``
on every query it ran, and prints each Seq Scan on a big table and each sort or aggregate over
more than a page of rows.
``--only WORD`` limits the run to the pages whose name contains it (repeatable).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_governance  # its environment and database guard, shared rather than copied
import benchfill

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/flagpost_pages_bench"
DEFAULT_CACHE = "redis://127.0.0.1:6379/2"
PAGE_GOAL_MS = 100.0
SEARCH_GOAL_MS = 50.0
GOVERNANCE_COLD_GOAL_MS = 500.0
RATIO_GOAL = 3.0
# Big tables: a Seq Scan on one of them is reported by --explain.
BIG_TABLES = {
    "casework_case",
    "incidents_report",
    "incidents_evidencelink",
    "casework_caseevent",
    "audit_auditevent",
    "deadlines_deadline",
    "notifications_notification",
    "directory_user",
}
# More rows than a page's worth through a sort or an aggregate is reported by --explain.
PAGE_ROWS = 100
BENCH_HEADER = "X-Bench-Request"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


# --- Personas and the pages ----------------------------------------------------------------


@dataclass
class Persona:
    key: str
    title: str
    number: int  # the member of staff, counted from 1 as benchfill inserts them
    user: Any = None
    cookie: str = ""


PERSONAS = [
    Persona("hr", "HR lead (sees all)", benchfill.CAST.hr_leads.start),
    Persona("triage", "triage officer", benchfill.CAST.triage_officers.start),
    Persona("manager", "line manager", benchfill.CAST.line_manager),
    Persona("investigator", "investigator", benchfill.CAST.investigators.start),
    Persona("reporter", "reporter with 50 reports", benchfill.CAST.reporter),
    Persona("inbox", "user with 10,000 notifications", benchfill.CAST.inbox),
    Persona("governance", "governance member", benchfill.CAST.governance.start),
    Persona("ig", "information governance lead (the audit trail)", benchfill.CAST.ig_leads.start),
]


@dataclass
class Page:
    name: str
    persona: str
    url: str | Callable[[Fetch], str]
    goal_ms: float = PAGE_GOAL_MS
    ratio: bool = True
    before: Callable[[], None] | None = None  # run before each request (e.g. clear a cache)
    resolved: str = ""
    note: str = ""


@dataclass
class Figures:
    page: Page
    queries: int | str = "-"
    rows: dict[int, dict[str, Any]] = field(default_factory=dict)  # by concurrency
    missed: list[str] = field(default_factory=list)


class Links(HTMLParser):
    """The ``<a>`` elements of a page: their href, rel and text."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str]] = []
        self.text: list[str] = []
        self._open: list[Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            values = dict(attrs)
            self._open = [values.get("href") or "", (values.get("rel") or "").lower(), ""]

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._open is not None:
            self._open[2] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            href, rel, text = self._open
            self.links.append((href, rel, " ".join(text.split())))
            self._open = None


def _link(html: str, rels: tuple[str, ...], texts: tuple[str, ...]) -> str:
    parser = Links()
    parser.feed(html)
    for href, rel, text in parser.links:
        if href and (set(rel.split()) & set(rels) or text.lower() in texts):
            return href.replace("&amp;", "&")
    return ""


def _page_count(html: str) -> int | None:
    found = re.search(r"Page\s+[\d,]+\s+of\s+([\d,]+)", html)
    return int(found.group(1).replace(",", "")) if found else None


Fetch = Callable[[str, str], tuple[int, str]]  # (persona key, url) -> (status, html)


def deep(start: str, *, steps: int, seconds: float, persona: str) -> Callable[[Fetch], str]:
    """A page far back in a list, reached through the list's own links from ``start``."""

    def resolve(fetch: Fetch) -> str:
        url = start
        began = time.perf_counter()
        status, html = fetch(persona, url)
        last = _link(html, ("last",), ("last", "oldest", "last page", "oldest page"))
        if last:
            return urljoin(url, last)
        for step in range(steps):
            following = _link(html, ("next",), ("older", "next"))
            if not following:
                break
            following = urljoin(url, following)
            count = _page_count(html)
            number = re.search(r"([?&])page=(\d+)(?=&|$)", following)
            if count and number and step == 0:
                # A numbered list: its last page, by the page's own link pattern.
                return following[: number.start(2)] + str(count) + following[number.end(2) :]
            url = following
            if time.perf_counter() - began > seconds:
                break
            status, html = fetch(persona, url)
            if status != 200:
                break
        return url

    return resolve


@dataclass
class Scene:
    typical_case: str = ""
    worst_case: str = ""
    report_reference: str = ""
    handle: str = ""
    poster_name: str = ""
    person_email: str = ""
    audit_case: str = ""
    audit_day: str = ""


def scene() -> Scene:
    """The references the pages are asked about, chosen from the filled database."""
    from django.db.models import Count

    from casework.models import Case, CaseState
    from directory.models import User
    from incidents.models import Report

    hr = _persona_user("hr")
    middle = Case.objects.order_by("-pk").values_list("pk", flat=True)[0] // 2
    typical = (
        Case.objects.filter(state=CaseState.INVESTIGATION, pk__gte=middle, reports__isnull=False)
        .exclude(poster=hr)
        .order_by("pk")
        .values_list("reference", flat=True)[0]
    )
    poster = User.objects.get(email=_email(benchfill.CAST.poster))
    worst = (
        # benchfill's worst case: the poster's case with the most reports (30) and events (200).
        Case.objects.filter(poster=poster)
        .annotate(report_count=Count("reports"))
        .order_by("-report_count", "-pk")
        .values_list("reference", flat=True)[0]
    )
    report = Report.objects.filter(case__pk__gte=middle).order_by("case_id", "pk")[0]
    person = User.objects.get(email=_email(1234))
    today = dt.date.today()
    return Scene(
        typical_case=typical,
        worst_case=worst,
        report_reference=report.reference,
        handle="handle_1234",
        poster_name=f"{person.first_name} {person.last_name}",
        person_email=_email(benchfill.CAST.triage_officers.start + 1),
        audit_case=typical,
        audit_day=(today - dt.timedelta(days=365)).isoformat(),
    )


def pages(where: Scene, arguments: argparse.Namespace) -> list[Page]:
    year_end = dt.date.today()
    year_start = year_end.replace(year=year_end.year - 1) + dt.timedelta(days=1)
    governance = (
        f"/governance/?period=custom&start={year_start.isoformat()}&end={year_end.isoformat()}"
    )

    def deep_of(start: str, persona: str) -> Callable[[Fetch], str]:
        return deep(
            start, steps=arguments.deep_steps, seconds=arguments.deep_seconds, persona=persona
        )

    return [
        Page("Cases, page 1", "hr", "/cases/"),
        Page("Cases, deep page", "hr", deep_of("/cases/", "hr")),
        Page("Cases, state filter", "hr", "/cases/?state=investigation"),
        Page("Cases, platform filter", "hr", "/cases/?platform=flickr"),
        Page("Cases, flag filter", "hr", "/cases/?flag=safeguarding"),
        Page("Cases, sort by due", "hr", "/cases/?sort=due"),
        Page("Cases, search case ref", "hr", f"/cases/?q={where.typical_case}", SEARCH_GOAL_MS),
        Page(
            "Cases, search report ref", "hr", f"/cases/?q={where.report_reference}", SEARCH_GOAL_MS
        ),
        Page("Cases, search handle", "hr", f"/cases/?q=%40{where.handle}", SEARCH_GOAL_MS),
        Page(
            "Cases, search poster name",
            "hr",
            "/cases/?q=" + where.poster_name.replace(" ", "+"),
            SEARCH_GOAL_MS,
        ),
        Page("Cases, line manager", "manager", "/cases/"),
        Page("Cases, investigator", "investigator", "/cases/"),
        Page("My work, triage officer", "triage", "/cases/work/"),
        Page("My work, investigator", "investigator", "/cases/work/"),
        Page("My work, line manager", "manager", "/cases/work/"),
        Page("My work, HR lead", "hr", "/cases/work/"),
        Page("My work, IG lead", "ig", "/cases/work/"),
        Page("Triage queue, page 1", "triage", "/cases/queue/"),
        Page("Triage queue, oldest first", "triage", "/cases/queue/?sort=arrival"),
        Page("Triage queue, deep page", "triage", deep_of("/cases/queue/", "triage")),
        Page(
            "Triage queue, search",
            "triage",
            f"/cases/queue/?q={where.typical_case}",
            SEARCH_GOAL_MS,
        ),
        Page("Case page, typical", "hr", f"/cases/{where.typical_case}/"),
        Page("Case page, worst", "hr", f"/cases/{where.worst_case}/"),
        Page("Case timeline, worst", "hr", f"/cases/{where.worst_case}/timeline/"),
        Page("Related cases, worst", "hr", f"/cases/{where.worst_case}/related/"),
        Page("Access history, worst", "hr", f"/cases/{where.worst_case}/access-history/"),
        Page("Audit trail, page 1", "ig", "/audit/"),
        Page("Audit trail, by person", "ig", f"/audit/?person={where.person_email}"),
        Page("Audit trail, by case", "ig", f"/audit/?case={where.audit_case}"),
        Page(
            "Audit trail, by date",
            "ig",
            f"/audit/?start={where.audit_day}&end={where.audit_day}",
        ),
        Page(
            "Governance year, cold",
            "governance",
            governance,
            GOVERNANCE_COLD_GOAL_MS,
            ratio=False,
            before=_governance_cold,
        ),
        Page("Governance year, cached", "governance", governance),
        Page("My reports", "reporter", "/reports/mine/"),
        Page("Notifications inbox", "inbox", "/notifications/"),
        Page("Report form", "reporter", "/reports/new/"),
        Page("Person search", "reporter", "/people/search/staff/?q=tom+per", SEARCH_GOAL_MS),
        Page("Home page", "reporter", "/"),
    ]


def _governance_cold() -> None:
    from governance.selectors import governance_cache_bump

    governance_cache_bump()


def _email(number: int) -> str:
    return f"bench.{number}@trust.example"


def _persona_user(key: str) -> Any:
    from directory.models import User

    persona = next(p for p in PERSONAS if p.key == key)
    return User.objects.get(email=_email(persona.number))


def sign_in() -> dict[str, Persona]:
    """A session for each persona, made by Django's own login (as the sign-in form does)."""
    from django.conf import settings
    from django.test import Client

    found = {}
    for persona in PERSONAS:
        persona.user = _persona_user(persona.key)
        client = Client()
        client.force_login(persona.user)
        persona.cookie = (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
        found[persona.key] = persona
    return found


# --- Serving ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn on a free local port with the project's gunicorn.conf.py, logging each request's time."""

    def __init__(self, *, timeout: float, workers: int | None, static_root: Path) -> None:
        self.port = _free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="flagpost-bench-"))
        self.log = self.directory / "access.log"
        milliseconds = int(timeout * 1000)
        url = os.environ["DATABASE_URL"]
        separator = "&" if "?" in url else "?"
        environment = os.environ | {
            # Bound the server's side of a request as the client bounds its wait.
            "DATABASE_URL": f"{url}{separator}options=-c%20statement_timeout%3D{milliseconds}",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_TIMEOUT": str(int(timeout) + 30),
            "GUNICORN_ACCESS_LOG": str(self.log),
            "GUNICORN_ACCESS_LOG_FORMAT": f'%({{{BENCH_HEADER.lower()}}}i)s %(s)s %(M)s "%(r)s"',
            "STATIC_ROOT": str(static_root),
            "SECURE_SSL_REDIRECT": "false",
        }
        if workers:
            environment["GUNICORN_WORKERS"] = str(workers)
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "--config",
                str(ROOT / "gunicorn.conf.py"),
                "config.wsgi:application",
            ],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=open(self.directory / "error.log", "wb"),  # noqa: SIM115  # closed with the process
            start_new_session=True,
        )
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit("gunicorn stopped:\n" + (self.directory / "error.log").read_text()[-3000:])
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.3)
        sys.exit("gunicorn did not start within a minute")

    def workers(self) -> int:
        text = (self.directory / "error.log").read_text()
        return text.count("Booting worker")

    def server_ms(self) -> dict[str, float]:
        found = {}
        for line in self.log.read_text().splitlines():
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[0] != "-":
                try:
                    found[parts[0]] = float(parts[2])
                except ValueError:
                    pass
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        shutil.rmtree(self.directory, ignore_errors=True)


class Client:
    def __init__(self, server: Server, personas: dict[str, Persona], timeout: float) -> None:
        self.server = server
        self.personas = personas
        self.timeout = timeout
        self._number = 0
        self._lock = threading.Lock()

    def _tag(self) -> str:
        with self._lock:
            self._number += 1
            return f"r{self._number}"

    def get(self, persona: str, url: str) -> tuple[str, int, float, str]:
        """(tag, status or 0 on a timeout, client seconds, body)."""
        tag = self._tag()
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=self.timeout)
        started = time.perf_counter()
        try:
            connection.request(
                "GET",
                url,
                headers={
                    "Cookie": self.personas[persona].cookie,
                    "Host": "localhost",
                    # As a browser asks: the bare page is then the HTML "Your sign-in" page.
                    "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
                    "X-Forwarded-Proto": "https",
                    BENCH_HEADER: tag,
                },
            )
            response = connection.getresponse()
            body = response.read().decode("utf-8", "replace")
            return tag, response.status, time.perf_counter() - started, body
        except TimeoutError:
            return tag, 0, time.perf_counter() - started, ""
        finally:
            connection.close()

    def fetch(self, persona: str, url: str) -> tuple[int, str]:
        _, status, _, body = self.get(persona, url)
        return status, body


# --- Measuring -------------------------------------------------------------------------------


def _p(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def time_page(client: Client, page: Page, *, concurrency: int, requests: int) -> dict[str, Any]:
    """``requests`` GETs of the page, ``concurrency`` at a time: server and client p50/p95."""
    results: list[tuple[str, int, float]] = []

    def one(_number: int) -> None:
        if page.before is not None and concurrency == 1:
            page.before()
        tag, status, seconds, _body = client.get(page.persona, page.resolved)
        results.append((tag, status, seconds))

    rounds = max(1, requests // concurrency) if concurrency > 1 else requests
    with ThreadPoolExecutor(concurrency) as pool:
        for _ in range(rounds if concurrency > 1 else 1):
            if page.before is not None and concurrency > 1:
                page.before()
            list(pool.map(one, range(concurrency if concurrency > 1 else requests)))
    time.sleep(0.2)  # let gunicorn write the last lines of its log
    logged = client.server.server_ms()
    ok = [(tag, seconds) for tag, status, seconds in results if status == 200]
    timeouts = sum(1 for _, status, _ in results if status == 0)
    errors = sorted({status for _, status, _ in results if status not in (0, 200)})
    server = [logged[tag] for tag, _ in ok if tag in logged]
    clients = [seconds * 1000 for _, seconds in ok]
    return {
        "n": len(results),
        "timeouts": timeouts,
        "errors": errors,
        "server_p50": _p(server, 0.5),
        "server_p95": _p(server, 0.95),
        "client_p50": _p(clients, 0.5),
        "client_p95": _p(clients, 0.95),
    }


def query_count(page: Page, personas: dict[str, Persona], timeout: float) -> int | str:
    """The page's queries, counted in this process with Django's test client."""
    from django.db import OperationalError, connection
    from django.test import Client as TestClient
    from django.test.utils import CaptureQueriesContext

    client = TestClient(HTTP_X_FORWARDED_PROTO="https")
    client.force_login(personas[page.persona].user)
    with connection.cursor() as cursor:
        cursor.execute(f"SET statement_timeout = {int(timeout * 1000)}")
    if page.before is not None:
        page.before()
    try:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page.resolved, HTTP_HOST="localhost")
    except OperationalError:
        return "timeout"
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
    if response.status_code != 200:
        return f"{len(captured)} ({response.status_code})"
    return len(captured)


def measure(
    client: Client,
    page: Page,
    *,
    arguments: argparse.Namespace,
    personas: dict[str, Persona],
) -> Figures:
    figures = Figures(page)
    _, status, seconds, _ = client.get(page.persona, page.resolved)  # warm-up, and a first look
    if status == 0:
        figures.rows = {
            c: {
                "n": 1,
                "timeouts": 1,
                "errors": [],
                "server_p50": float("nan"),
                "server_p95": float("nan"),
                "client_p50": float("nan"),
                "client_p95": float("nan"),
            }
            for c in (1, 4)
        }
        figures.queries = "timeout"
        return figures
    requests = arguments.requests
    if seconds > 1:
        # A slow page: about --slow-seconds of requests at c1, one round of four at c4.
        requests = max(1, min(requests, int(arguments.slow_seconds / seconds)))
    else:
        # Warm every worker (its templates and connection), not only the first one.
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _: client.get(page.persona, page.resolved), range(8)))
    for concurrency in (1, 4):
        figures.rows[concurrency] = time_page(
            client, page, concurrency=concurrency, requests=max(requests, concurrency)
        )
    if not arguments.no_queries:
        figures.queries = query_count(page, personas, arguments.timeout)
    return figures


def verdicts(figures: Figures, bare: dict[int, float]) -> None:
    page = figures.page
    for concurrency, row in figures.rows.items():
        p95, p50 = row["server_p95"], row["server_p50"]
        row["ratio"] = p50 / bare[concurrency] if bare.get(concurrency) else float("nan")
        if row["timeouts"]:
            figures.missed.append(f"{row['timeouts']}/{row['n']} timed out at c{concurrency}")
        if row["errors"]:
            figures.missed.append(f"HTTP {row['errors']} at c{concurrency}")
        if math.isnan(p95):  # nothing succeeded: said above
            continue
        if p95 > page.goal_ms:
            figures.missed.append(f"p95 {p95:,.0f} ms > {page.goal_ms:g} ms at c{concurrency}")
        if page.ratio and not row["ratio"] <= RATIO_GOAL:
            figures.missed.append(
                f"{row['ratio']:,.1f}× the bare page > {RATIO_GOAL:g}× at c{concurrency}"
            )


def _cell(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:,.0f}"


def table(all_figures: list[Figures], bare: Figures) -> None:
    print()
    print(
        "| page | persona | c1 server p50 / p95 (ms) | c1 client p95 | c1 × bare | c4 server p50 / p95 | "
        "c4 client p95 | c4 × bare | queries | goal |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for figures in [bare, *all_figures]:
        page = figures.page
        cells = []
        for concurrency in (1, 4):
            row = figures.rows.get(concurrency, {})
            timeouts = f" ({row['timeouts']}/{row['n']} timeouts)" if row.get("timeouts") else ""
            cells += [
                f"{_cell(row.get('server_p50', float('nan')))} / {_cell(row.get('server_p95', float('nan')))}{timeouts}",
                _cell(row.get("client_p95", float("nan"))),
                "—"
                if figures is bare or math.isnan(row.get("ratio", float("nan")))
                else f"{row['ratio']:,.1f}×",
            ]
        verdict = "—" if figures is bare else ("met" if not figures.missed else "MISSED")
        print(
            f"| {page.name} | {page.persona} | {' | '.join(cells)} | {figures.queries} | {verdict} |"
        )


# --- EXPLAIN ---------------------------------------------------------------------------------


def _rows(node: str) -> int:
    actual = node.partition("(actual ")[2]
    if not actual:
        return 0
    rows = int(actual.partition("rows=")[2].split()[0])
    loops = int(actual.partition("loops=")[2].split()[0].rstrip(")"))
    return rows * loops


def _input_rows(plan: list[str], index: int) -> int:
    """The rows a plan node read: its first child's (a sort or aggregate returns fewer than it reads)."""
    depth = len(plan[index]) - len(plan[index].lstrip())
    for line in plan[index + 1 :]:
        indent = len(line) - len(line.lstrip())
        if indent <= depth:
            break
        if line.strip().startswith("->"):
            return _rows(line)
    return 0


def plan_problems(plan: list[str]) -> list[str]:
    """Each Seq Scan on a big table, and each sort or aggregate (a COUNT) over more than a page of rows."""
    found = []
    for index, line in enumerate(plan):
        node = line.strip().removeprefix("->").strip()
        name = node.partition("  (")[0]
        if "Seq Scan on " in name:
            if name.split(" on ")[1].split()[0] in BIG_TABLES:
                found.append(node)
        elif name.endswith(("Sort", "Aggregate")) and _input_rows(plan, index) > PAGE_ROWS:
            found.append(f"{node} over {_input_rows(plan, index):,} rows")
    return found


def explain_pages(page_list: list[Page], personas: dict[str, Persona], timeout: float) -> int:
    from django.db import OperationalError, connection
    from django.test import Client as TestClient
    from django.test.utils import CaptureQueriesContext

    problems = 0
    for page in page_list:
        client = TestClient(HTTP_X_FORWARDED_PROTO="https")
        client.force_login(personas[page.persona].user)
        if page.before is not None:
            page.before()
        with connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(timeout * 1000)}")
        try:
            with CaptureQueriesContext(connection) as captured:
                response = client.get(page.resolved, HTTP_HOST="localhost")
        except OperationalError:
            print(f"\n== {page.name} ({page.resolved}): a query ran past {timeout:g} s")
            problems += 1
            continue
        print(
            f"\n== {page.name} ({page.persona}, {page.resolved}): HTTP {response.status_code}, "
            f"{len(captured)} queries"
        )
        for number, query in enumerate(captured.captured_queries, start=1):
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            analyze = "(ANALYZE, BUFFERS) "
            try:
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN {analyze}{sql}")
                    plan = [row[0] for row in cursor.fetchall()]
            except OperationalError:
                with connection.cursor() as cursor:
                    cursor.execute("SET statement_timeout = 0")
                    cursor.execute(f"EXPLAIN {sql}")
                    plan = [row[0] for row in cursor.fetchall()]
                    cursor.execute(f"SET statement_timeout = {int(timeout * 1000)}")
                plan.append("(cancelled: the planner's estimates only)")
            found = plan_problems(plan)
            took = next(
                (
                    line.split(":", 1)[1].strip()
                    for line in plan
                    if line.startswith("Execution Time")
                ),
                "?",
            )
            flag = "  <-- " + "; ".join(found) if found else ""
            print(f"  {number:>3}. {took:>12}  {' '.join(sql.split())[:150]}{flag}")
            if found:
                problems += 1
                for line in plan[:60]:
                    print("         " + line)
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
    return problems


# --- Main ------------------------------------------------------------------------------------


def _environment() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("CACHE_URL", DEFAULT_CACHE)
    bench_governance._environment()
    os.environ["ALLOWED_HOSTS"] = "localhost,127.0.0.1"


def _prepare(arguments: argparse.Namespace) -> None:
    from django.core.management import call_command
    from django.db import connection

    from governance.models import DailyCount

    step = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(
        f"Database {connection.settings_dict['NAME']} {'kept' if arguments.keep else 'recreated'}; "
        f"migrated in {_ms(time.perf_counter() - step)}",
        flush=True,
    )
    if not arguments.keep:
        print(
            f"Filling {arguments.cases:,} cases over {arguments.years} years, "
            f"{arguments.audit_rows:,} audit rows …",
            flush=True,
        )
        benchfill.fill_all(
            cases=arguments.cases, years=arguments.years, audit_rows=arguments.audit_rows
        )
    if not DailyCount.objects.exists():
        bench_governance.count(rebuild=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--audit-rows", type=int, default=10_000_000)
    parser.add_argument("--keep", action="store_true", help="Reuse the filled database.")
    parser.add_argument("--fill-only", action="store_true", help="Fill, then stop.")
    parser.add_argument(
        "--requests", type=int, default=40, help="Requests per page and concurrency."
    )
    parser.add_argument(
        "--slow-seconds",
        type=float,
        default=20,
        help="Time a page whose first request is slow with about this many seconds of requests.",
    )
    parser.add_argument(
        "--timeout", type=float, default=30, help="Seconds before a request is cut off."
    )
    parser.add_argument("--deep-steps", type=int, default=40)
    parser.add_argument(
        "--deep-seconds", type=float, default=60, help="Stop following Older links after this long."
    )
    parser.add_argument("--workers", type=int, help="gunicorn workers (else gunicorn.conf.py's).")
    parser.add_argument("--bare-url", default="/accounts/session/")
    parser.add_argument(
        "--no-queries", action="store_true", help="Skip the in-process query counts."
    )
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--only", action="append", default=[])
    arguments = parser.parse_args()
    # Stopped from outside: still stop gunicorn and remove the temporary files (the finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    _environment()
    bench_governance._database_check(recreate=not arguments.keep)
    # Production settings serve hashed static file names from a manifest: collect them first.
    static_root = Path(tempfile.mkdtemp(prefix="flagpost-bench-static-"))
    os.environ["STATIC_ROOT"] = str(static_root)
    try:
        run(arguments, static_root)
    finally:
        shutil.rmtree(static_root, ignore_errors=True)


def run(arguments: argparse.Namespace, static_root: Path) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    _prepare(arguments)
    if arguments.fill_only:
        return
    call_command("collectstatic", interactive=False, verbosity=0)

    personas = sign_in()
    where = scene()
    page_list = [
        page
        for page in pages(where, arguments)
        if not arguments.only or any(word.lower() in page.name.lower() for word in arguments.only)
    ]
    print(
        f"Scene: typical case {where.typical_case}, worst case {where.worst_case}, report "
        f"{where.report_reference}, handle @{where.handle}, poster {where.poster_name!r}",
        flush=True,
    )
    if arguments.explain:
        from django.test import Client as TestClient

        def fetch_local(persona: str, url: str) -> tuple[int, str]:
            client = TestClient(HTTP_X_FORWARDED_PROTO="https")
            client.force_login(personas[persona].user)
            response = client.get(url, HTTP_HOST="localhost")
            return response.status_code, response.content.decode()

        for page in page_list:
            page.resolved = page.url if isinstance(page.url, str) else page.url(fetch_local)
        problems = explain_pages(page_list, personas, arguments.timeout)
        print(
            f"\n{problems} queries with a seq scan of a big table or a sort/aggregate over {PAGE_ROWS} rows"
        )
        sys.exit(1 if problems else 0)

    server = Server(timeout=arguments.timeout, workers=arguments.workers, static_root=static_root)
    try:
        client = Client(server, personas, arguments.timeout)
        bare_page = Page("Bare signed-in page", "hr", arguments.bare_url, ratio=False)
        bare_page.resolved = arguments.bare_url
        # Each worker's first requests load what Django loads lazily (URLs, templates, the
        # database and cache connections): pay for that before anything is timed.
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _: client.get("hr", arguments.bare_url), range(40)))
        print(f"gunicorn on port {server.port}, {server.workers()} workers", flush=True)
        bare = measure(client, bare_page, arguments=arguments, personas=personas)
        bare_ms = {c: row["server_p50"] for c, row in bare.rows.items()}
        print(
            f"Bare page {arguments.bare_url}: server p50 {bare_ms[1]:.1f} ms (c1), {bare_ms[4]:.1f} ms (c4)",
            flush=True,
        )
        results = []
        started = time.perf_counter()
        for page in page_list:
            step = time.perf_counter()
            page.resolved = page.url if isinstance(page.url, str) else page.url(client.fetch)
            figures = measure(client, page, arguments=arguments, personas=personas)
            verdicts(figures, bare_ms)
            results.append(figures)
            c1, c4 = figures.rows[1], figures.rows[4]
            print(
                f"  {page.name:<28} {page.resolved[:60]:<60} c1 {_cell(c1['server_p50'])}/"
                f"{_cell(c1['server_p95'])} ms, c4 {_cell(c4['server_p50'])}/{_cell(c4['server_p95'])} ms, "
                f"{figures.queries} queries ({_ms(time.perf_counter() - step)})",
                flush=True,
            )
        # The bare page again at the end: the ratio's base should not have drifted.
        again = measure(client, bare_page, arguments=arguments, personas=personas)
        print(
            f"Bare page again: server p50 {again.rows[1]['server_p50']:.1f} ms (c1), "
            f"{again.rows[4]['server_p50']:.1f} ms (c4); pages timed in {_ms(time.perf_counter() - started)}"
        )
    finally:
        server.stop()
    _summary(results, bare)


def _summary(results: list[Figures], bare: Figures) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        (size,) = cursor.fetchone()
    print(
        f"\nDatabase size {size}; times in ms; × bare is the page's server p50 over the bare page's."
    )
    table(results, bare)
    missed = [figures for figures in results if figures.missed]
    print()
    if missed:
        print(f"{len(missed)} of {len(results)} pages missed a goal:")
        for figures in missed:
            print(f"  {figures.page.name}: {'; '.join(figures.missed)}")
        sys.exit(1)
    print(f"Every page met its goals ({len(results)} pages).")


if __name__ == "__main__":
    main()
