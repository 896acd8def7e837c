"""Benchmark: the person picker's search on a directory of 20,000 staff.

Not a test: it prints its figures. Run it from the project root with

    .venv/bin/python scripts/bench_people.py

(``DATABASE_URL`` defaults to postgres://postgres@127.0.0.1:5432/flagpost_people_bench). Like the
other ``scripts/bench_*.py`` it refuses anything but PostgreSQL and any database whose name doesn't
end in ``_bench``: it drops and recreates it, migrates it and fills it by server-side SQL with
``--staff`` active staff (20,000) and ``--leavers`` who have left (2,000), with varied first and
last names (a few common ones, a long tail of rare ones, as in a real directory), work emails
``first.last<n>@trust.example`` and job titles, in 40 services, then ANALYZE. ``--keep`` reuses a
filled database: migrations only.

Then, in this process, signed in as a triage officer through Django's test client (production
settings: DEBUG off), it asks the picker's endpoint ``/people/search/staff/?q=…`` for typical
searches: a two-letter prefix, a common surname, a full name, an email prefix, a job-title word, a
rare three-letter infix, and a word nobody matches. Each is asked ``--requests`` times (after a
few unmeasured ones) and timed around ``client.get``: the server's whole time for the request,
session and user included. It prints p50 and p95 per search beside the goal (issue 15: 50 ms),
with the number of queries and of people returned, and exits non-zero if any p95 misses it.
``--explain`` also prints ``EXPLAIN (ANALYZE, BUFFERS)`` of every query each search runs.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_governance  # its environment and database guard, shared rather than copied
import benchfill

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/flagpost_people_bench"
GOAL_MS = 50.0
TRIAGE_EMAIL = "tess.triage@trust.example"

# Most common first: a name's position decides how often it is drawn (see ``_pick``), so the first
# few are common ("Smith" about one person in thirty-five; in Britain, one in a hundred) and the
# tail is rare.
FIRST_NAMES = [
    "Sarah",
    "James",
    "David",
    "Emma",
    "Michael",
    "Claire",
    "Paul",
    "Rachel",
    "John",
    "Laura",
    "Mark",
    "Helen",
    "Daniel",
    "Lisa",
    "Andrew",
    "Rebecca",
    "Christopher",
    "Nicola",
    "Matthew",
    "Joanne",
    "Richard",
    "Amy",
    "Thomas",
    "Kelly",
    "Steven",
    "Louise",
    "Robert",
    "Gemma",
    "Peter",
    "Samantha",
    "Jonathan",
    "Victoria",
    "Simon",
    "Hannah",
    "Ian",
    "Charlotte",
    "Gareth",
    "Sophie",
    "Adam",
    "Zoe",
    "Mohammed",
    "Priya",
    "Aisha",
    "Fatima",
    "Ahmed",
    "Ali",
    "Omar",
    "Sana",
    "Ravi",
    "Anjali",
    "Deepak",
    "Kiran",
    "Mei",
    "Wei",
    "Chen",
    "Yan",
    "Olu",
    "Chidi",
    "Ngozi",
    "Tunde",
    "Amara",
    "Kwame",
    "Abena",
    "Kofi",
    "Grace",
    "Precious",
    "Blessing",
    "Joy",
    "Tendai",
    "Farai",
    "Aleksander",
    "Agnieszka",
    "Katarzyna",
    "Tomasz",
    "Marta",
    "Piotr",
    "Ioana",
    "Andrei",
    "Elena",
    "Dimitri",
    "Sofia",
    "Luca",
    "Giulia",
    "Marco",
    "Ana",
    "Joao",
    "Ines",
    "Rui",
    "Siobhan",
    "Niamh",
    "Ciaran",
    "Eilidh",
    "Rhys",
    "Cerys",
    "Dylan",
    "Bethan",
    "Ffion",
]
LAST_NAMES = [
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Johnson",
    "Roberts",
    "Robinson",
    "Thompson",
    "Wright",
    "Walker",
    "White",
    "Edwards",
    "Hughes",
    "Green",
    "Hall",
    "Lewis",
    "Harris",
    "Clarke",
    "Patel",
    "Jackson",
    "Wood",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Morris",
    "Moore",
    "Clark",
    "Lee",
    "King",
    "Baker",
    "Harrison",
    "Morgan",
    "Allen",
    "James",
    "Scott",
    "Phillips",
    "Watson",
    "Davis",
    "Parker",
    "Price",
    "Bennett",
    "Young",
    "Griffiths",
    "Mitchell",
    "Kelly",
    "Cook",
    "Carter",
    "Richardson",
    "Bailey",
    "Collins",
    "Bell",
    "Shaw",
    "Murphy",
    "Miller",
    "Cox",
    "Richards",
    "Khan",
    "Marshall",
    "Anderson",
    "Simpson",
    "Ellis",
    "Adams",
    "Singh",
    "Begum",
    "Wilkinson",
    "Foster",
    "Chapman",
    "Powell",
    "Webb",
    "Rogers",
    "Gray",
    "Mason",
    "Ali",
    "Hunt",
    "Hussain",
    "Campbell",
    "Matthews",
    "Owen",
    "Palmer",
    "Holmes",
    "Mills",
    "Barnes",
    "Knight",
    "Lloyd",
    "Butler",
    "Russell",
    "Barker",
    "Fisher",
    "Stevens",
    "Jenkins",
    "Murray",
    "Dixon",
    "Harvey",
    "Graham",
    "Pearson",
    "Ahmed",
    "Fletcher",
    "Walsh",
    "Kaur",
    "Gibson",
    "Howard",
    "Andrews",
    "Stewart",
    "Elliott",
    "Reynolds",
    "Saunders",
    "Payne",
    "Fox",
    "Ford",
    "Pearce",
    "Day",
    "Brooks",
    "West",
    "Lawrence",
    "Cole",
    "Atkinson",
    "Bradley",
    "Spencer",
    "Gill",
    "Dawson",
    "Ball",
    "Burton",
    "OBrien",
    "Watts",
    "Rose",
    "Booth",
    "Perry",
    "Ryan",
    "Grant",
    "Wells",
    "Armstrong",
    "Francis",
    "Rees",
    "Hayes",
    "Hart",
    "Hudson",
    "Newman",
    "Barrett",
    "Webster",
    "Hunter",
    "Gregory",
    "Carr",
    "Lowe",
    "Page",
    "Marsh",
    "Riley",
    "Dunn",
    "Woods",
    "Parsons",
    "Berry",
    "Stone",
    "Reid",
    "Holland",
    "Hawkins",
    "Harding",
    "Porter",
    "Robertson",
    "Newton",
    "Oliver",
    "Reed",
    "Kennedy",
    "Williamson",
    "Bird",
    "Gardner",
    "Shah",
    "Dean",
    "Lane",
    "Cooke",
    "Bates",
    "Henderson",
    "Parry",
    "Burgess",
    "Bishop",
    "Walton",
    "Burns",
    "Nicholson",
    "Shepherd",
    "Ross",
    "Cross",
    "Long",
    "Okafor",
    "Adeyemi",
    "Mensah",
    "Nwosu",
    "Chaudhry",
    "Iqbal",
    "Rahman",
    "Nguyen",
    "Wang",
    "Zhang",
    "Kowalski",
    "Nowak",
    "Wisniewski",
    "Popescu",
    "Ionescu",
    "Silva",
    "Santos",
    "Rossi",
    "Ferrari",
    "Murphy",
    "OConnor",
    "Gallagher",
    "Doherty",
]
JOB_TITLES = [
    "Staff nurse",
    "Healthcare assistant",
    "Senior staff nurse",
    "Ward manager",
    "Junior doctor",
    "Consultant physician",
    "Administrator",
    "Medical secretary",
    "Physiotherapist",
    "Occupational therapist",
    "Pharmacist",
    "Pharmacy technician",
    "Radiographer",
    "Biomedical scientist",
    "Midwife",
    "Paramedic",
    "Porter",
    "Domestic assistant",
    "Receptionist",
    "Team leader",
    "Clinical nurse specialist",
    "Advanced nurse practitioner",
    "Consultant anaesthetist",
    "Consultant surgeon",
    "Speech and language therapist",
    "Dietitian",
    "Operating department practitioner",
    "Matron",
    "Service manager",
    "Finance officer",
    "HR adviser",
    "IT support analyst",
    "Estates officer",
    "Catering assistant",
    "Chaplain",
    "Play specialist",
    "Podiatrist",
    "Psychologist",
    "Social worker",
    "Data analyst",
]


@dataclass(frozen=True)
class Search:
    label: str
    q: str


SEARCHES = [
    Search("two-letter prefix", "sa"),
    Search("common surname", "smith"),
    Search("full name", "sarah smith"),
    Search("email prefix", "james.jon"),
    Search("job-title word", "nurse"),
    Search("job title and name", "physio pat"),
    Search("rare three-letter infix", "kow"),
    Search("no match", "zzqx"),
]


def _array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + value.replace("'", "''") + "'" for value in values) + "]"


def _pick(values: list[str], skew: float) -> str:
    """One of ``values`` at random, the first ones most often (``skew`` 1 is even, 2.5 steep)."""
    return f"({_array(values)})[1 + floor(power(random(), {skew}) * {len(values)})::int]"


def fill(*, staff: int, leavers: int) -> None:
    from directory.models import Directorate, Role, Service, User, role_group

    started = time.perf_counter()
    services = []
    for d in range(8):
        directorate = Directorate.objects.create(name=f"Directorate {d + 1}")
        services += [
            Service.objects.create(directorate=directorate, name=f"Service {d + 1}.{n + 1}")
            for n in range(5)
        ]
    service_ids = ",".join(str(service.pk) for service in services)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.15)")
    benchfill.run(
        "staff",
        benchfill.insert(
            User,
            {
                "password": "'!'",
                "is_superuser": "FALSE",
                "first_name": "fn",
                "last_name": "ln",
                "email": "lower(fn) || '.' || lower(ln) || g || '@trust.example'",
                "job_title": "jt",
                "is_staff": "FALSE",
                "is_active": f"g <= {staff}",
                "date_joined": "now() - make_interval(days => g % 3000)",
                "employment_type": "'permanent'",
                "email_preference": "'immediate'",
                "service_id": f"(ARRAY[{service_ids}])[1 + g % {len(services)}]",
            },
            f"FROM (SELECT g, {_pick(FIRST_NAMES, 1.5)} fn, {_pick(LAST_NAMES, 1.5)} ln, "
            f"{_pick(JOB_TITLES, 2.0)} jt FROM generate_series(1, {staff + leavers}) g) a",
        ),
    )
    officer = User.objects.create(
        email=TRIAGE_EMAIL,
        first_name="Tess",
        last_name="Triage",
        job_title="Triage officer",
        service=services[0],
    )
    officer.groups.add(role_group(Role.TRIAGE_OFFICER))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE directory_user")
    print(f"  filled and analysed in {benchfill.s(time.perf_counter() - started)}", flush=True)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


class QueryLog:
    """Each query's SQL and parameters, through Django's execute wrapper.

    Not ``CaptureQueriesContext``: each request begins by resetting the query log it reads.
    """

    def __init__(self) -> None:
        self.queries: list[tuple[str, Any]] = []
        self.seconds = 0.0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.queries.append((sql, params))
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def _explain(queries: list[tuple[str, Any]]) -> None:
    from django.db import connection

    for number, (sql, params) in enumerate(queries, start=1):
        print(f"  {number}. {' '.join(sql.split())[:300]}")
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            for (line,) in cursor.fetchall():
                print("       " + line)


def measure(client: Any, search: Search, *, requests: int, explain: bool) -> dict[str, Any]:
    from django.db import connection
    from django.urls import reverse

    url = reverse("directory:people_search", args=["staff"])
    captured = QueryLog()
    with connection.execute_wrapper(captured):
        response = client.get(url, {"q": search.q}, HTTP_HOST="localhost")
    if response.status_code != 200:
        sys.exit(f"{search.label}: HTTP {response.status_code}")
    found = response.json()
    if explain:
        print(f"\n== {search.label} (q={search.q!r}): {len(captured.queries)} queries")
        _explain(captured.queries)
    for _ in range(3):
        client.get(url, {"q": search.q}, HTTP_HOST="localhost")
    times, database = [], []
    for _ in range(requests):
        log = QueryLog()
        with connection.execute_wrapper(log):
            started = time.perf_counter()
            client.get(url, {"q": search.q}, HTTP_HOST="localhost")
            times.append((time.perf_counter() - started) * 1000)
        database.append(log.seconds * 1000)
    return {
        "db50": statistics.median(database),
        "queries": len(captured.queries),
        "results": len(found["results"]),
        "more": found["more"],
        "p50": statistics.median(times),
        "p95": _percentile(times, 0.95),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--staff", type=int, default=20_000)
    parser.add_argument("--leavers", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=50, help="Timed requests per search.")
    parser.add_argument("--keep", action="store_true", help="Reuse the filled database.")
    parser.add_argument("--explain", action="store_true", help="Print each query's plan.")
    arguments = parser.parse_args()

    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    bench_governance._environment()
    os.environ["ALLOWED_HOSTS"] = "localhost"
    bench_governance._database_check(recreate=not arguments.keep)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from directory.models import User

    step = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(
        f"Database {connection.settings_dict['NAME']} {'kept' if arguments.keep else 'recreated'}; "
        f"migrated in {benchfill.s(time.perf_counter() - step)}",
        flush=True,
    )
    if not arguments.keep:
        print(f"Filling {arguments.staff:,} staff and {arguments.leavers:,} leavers …", flush=True)
        fill(staff=arguments.staff, leavers=arguments.leavers)
    officer = User.objects.filter(email=TRIAGE_EMAIL).first()
    if officer is None:
        sys.exit("The database has no triage officer: run without --keep to fill it.")
    active = User.objects.filter(is_active=True).count()
    print(f"{active:,} active staff, {User.objects.count() - active:,} who have left")

    client = Client(HTTP_X_FORWARDED_PROTO="https")
    client.force_login(officer)
    rows = [
        (search, measure(client, search, requests=arguments.requests, explain=arguments.explain))
        for search in SEARCHES
    ]

    print(
        f"\nPerson search, /people/search/staff/?q=…, as a triage officer, {active:,} active staff; "
        f"server time in process over {arguments.requests} requests (goal p95 ≤ {GOAL_MS:g} ms):"
    )
    header = (
        f"  {'search':<24} {'q':<14} {'found':>6} {'queries':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'db p50':>7}  goal"
    )
    print(header)
    missed = []
    for search, row in rows:
        ok = row["p95"] <= GOAL_MS
        if not ok:
            missed.append(search.label)
        found = f"{row['results']}{'+' if row['more'] else ''}"
        print(
            f"  {search.label:<24} {search.q:<14} {found:>6} {row['queries']:>7} "
            f"{row['p50']:>7.1f} {row['p95']:>7.1f} {row['db50']:>7.1f}  {'met' if ok else 'MISSED'}"
        )
    loads = ", ".join(f"{load:.1f}" for load in os.getloadavg())
    print(f"  (db p50: the queries' own time; load average {loads} on {os.cpu_count()} CPUs)")
    if missed:
        sys.exit(f"Missed the {GOAL_MS:g} ms goal: {', '.join(missed)}")


if __name__ == "__main__":
    main()
