"""Benchmark: what a reminder sweep costs, and how fast one worker delivers notifications.

Not a test: it prints its figures. Run it from the project root with

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/flagpost_bench .venv/bin/python scripts/bench_reminders.py

Options: ``--cases 100000`` (open cases, each with an open deadline),
``--notifications 2000`` (rows for the worker to deliver), ``--skip-worker``.

It refuses any database whose name doesn't end in ``_bench``, because it
drops and recreates that database, migrates it (``call_command("migrate")``)
and fills it. Redis is ``CELERY_BROKER_URL`` (default
``redis://127.0.0.1:6379/14``); the queue there is purged before the worker
run. Email goes to Django's locmem backend, so delivery cost is Flagpost's,
not a mail server's.

(a) Sweep cost: 100,000 open cases with a triage deadline each (bulk-created in
batches, one reporter-less case row and one deadline row per case, two users).
With 100 and then 10,000 of them due, it times ``deadlines_due`` alone and a
whole ``deadlines_sweep(now=..., limit=...)`` (which claims each step, writes
the notification and queues its email on Redis), and a sweep with nothing
due. The same 100-due sweep is also timed on a 1,000-case table first, so the
two table sizes can be compared directly.

(b) Delivery: N pending Notification rows, a real ``celery -A config worker
--pool=solo`` process on Redis, timed from the first enqueue to the last row
marked sent (the rows' own ``email_sent_at``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BROKER_DEFAULT = "redis://127.0.0.1:6379/14"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
BATCH = 5_000


def _environment() -> dict[str, str]:
    """Settings for this process and the worker: production mode, Redis, emails kept in memory."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("Set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/flagpost_bench")
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", BROKER_DEFAULT),
        "EMAIL_BACKEND": LOCMEM,
        "DEBUG": "false",  # no query log kept in memory, as in production
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-" + "x" * 40),
        "ALLOWED_HOSTS": "localhost",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    return env


def _database_recreate() -> None:
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


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


class Bench:
    def __init__(self, *, cases: int) -> None:
        from django.utils import timezone

        from directory.models import Role, User, role_group

        self.total = cases
        self.now = timezone.now().replace(microsecond=0)
        self.made = 0
        self.rows: list[tuple[str, ...]] = []
        self.triage_officer = User.objects.create_user(
            "bench-triage@trust.example.nhs.uk", None, first_name="Tom", last_name="Triage"
        )
        self.triage_officer.groups.add(role_group(Role.TRIAGE_OFFICER))
        self.hr_lead = User.objects.create_user(
            "bench-hr@trust.example.nhs.uk", None, first_name="Hana", last_name="Lead"
        )
        self.hr_lead.groups.add(role_group(Role.HR_LEAD))

    def cases_add(self, count: int) -> None:
        """``count`` open cases, each with a triage deadline whose next step is hours to weeks away."""
        from casework.models import Case
        from deadlines.models import Clock, Deadline

        started = time.perf_counter()
        for first in range(self.made, self.made + count, BATCH):
            size = min(BATCH, self.made + count - first)
            cases = Case.objects.bulk_create(
                Case(
                    reference=f"BENCH-{first + n:06d}", next_due_at=self.now + dt.timedelta(days=1)
                )
                for n in range(size)
            )
            deadlines = []
            for n, case in enumerate(cases):
                # Spread the next actions over three weeks, none of them due yet.
                remind = self.now + dt.timedelta(minutes=30 + ((first + n) * 7919) % (21 * 24 * 60))
                due = remind + dt.timedelta(hours=12)
                deadlines.append(
                    Deadline(
                        case_id=case.pk,
                        clock=Clock.TRIAGE_START,
                        started_at=remind - dt.timedelta(hours=12),
                        due_at=due,
                        remind_at=remind,
                        escalate_at=due + dt.timedelta(days=2),
                        next_action_at=remind,
                    )
                )
            Deadline.objects.bulk_create(deadlines)
        self.made += count
        self._analyze()
        print(
            f"  {self.made:,} open cases with deadlines ({count:,} added in {_ms(time.perf_counter() - started)})"
        )

    def _analyze(self) -> None:
        from django.db import connection

        # VACUUM too, so index entries left by the previous sweep's updates don't linger
        # in the next measurement (autovacuum would see to them in time).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE casework_case")
            cursor.execute("VACUUM ANALYZE deadlines_deadline")

    def make_due(self, count: int) -> None:
        """Bring ``count`` deadlines, spread through the table, to their reminder now."""
        from deadlines.models import Deadline

        ids = list(
            Deadline.objects.filter(reminder_sent_at=None, next_action_at__gt=self.now)
            .order_by("?" if count > 5_000 else "pk")
            .values_list("pk", flat=True)[: count if count > 5_000 else None]
        )
        if count <= 5_000:
            step = max(1, len(ids) // count)
            ids = ids[::step][:count]
        due = self.now - dt.timedelta(minutes=1)
        for first in range(0, len(ids), BATCH):
            Deadline.objects.filter(pk__in=ids[first : first + BATCH]).update(
                remind_at=due, next_action_at=due, due_at=self.now + dt.timedelta(hours=12)
            )
        self._analyze()

    def measure(self, label: str, due: int) -> None:
        from django.db import connection

        # The sweep the beat task runs: the case rules tell it who owns each clock.
        from casework.notices import deadlines_sweep
        from deadlines.services import deadlines_due

        queries = 0

        def count(
            execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
        ) -> Any:
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        limit = max(due, 1000)
        listing = []
        for _ in range(5):
            started = time.perf_counter()
            found = deadlines_due(now=self.now, limit=limit)
            listing.append(time.perf_counter() - started)
        assert len(found) == due, (len(found), due)
        with connection.execute_wrapper(count):
            started = time.perf_counter()
            sent = deadlines_sweep(now=self.now, limit=limit)
            sweep = time.perf_counter() - started
        assert sent == due, (sent, due)
        per_step = _ms(sweep / due) if due else "-"
        self.rows.append(
            (
                label,
                f"{self.made:,}",
                f"{due:,}",
                _ms(statistics.median(listing)),
                _ms(sweep),
                f"{queries:,}",
                per_step,
            )
        )

    def explain(self) -> str:
        from deadlines.models import Deadline

        query = (
            Deadline.objects.filter(next_action_at__lte=self.now)
            .order_by("next_action_at")
            .values_list("pk", flat=True)[:1000]
        )
        return query.explain(analyze=True)


def sweep_benchmark(cases: int) -> Bench:
    print(f"(a) Sweep cost: building {cases:,} open cases …")
    bench = Bench(cases=cases)
    first = min(1_000, cases)
    bench.cases_add(first)
    bench.make_due(100)
    bench.measure("100 due, small table", 100)
    bench.cases_add(cases - first)
    bench.measure("nothing due", 0)
    bench.make_due(100)
    bench.measure("100 due", 100)
    bench.make_due(10_000)
    bench.measure("10,000 due", 10_000)
    bench.make_due(100)
    print("  plan of deadlines_due with 100 due:")
    for line in bench.explain().splitlines()[:8]:
        print("    " + line)
    return bench


def worker_benchmark(count: int, env: dict[str, str], *, label: str) -> tuple[str, ...]:
    from django.db.models import Max, Min
    from django.utils import timezone

    from config.celery import app
    from directory.models import User
    from notifications.models import DeliveryStatus, Notification, NotificationKind
    from notifications.tasks import notification_deliver

    print(
        f"(b) Delivery, {label}: {count:,} pending notifications, one solo worker on "
        f"{env['CELERY_BROKER_URL']} …"
    )
    purged = app.control.purge()
    people = list(User.objects.order_by("pk")[:2])
    later = timezone.now() + dt.timedelta(hours=1)  # out of the sweeper's way
    rows = Notification.objects.bulk_create(
        Notification(
            recipient=people[n % len(people)],
            kind=NotificationKind.DEADLINE_REMINDER,
            subject=f"Reminder: triage started on case BENCH-{n:06d} is due",
            body_text="This is a reminder.\n" * 5,
            body_html="<p>This is a reminder.</p>" * 5,
            link=f"/cases/BENCH-{n:06d}/",
            email_status=DeliveryStatus.PENDING,
            email_due_at=later,
        )
        for n in range(count)
    )
    ids = [row.pk for row in rows]

    node = f"bench-{os.getpid()}@{socket.gethostname()}"
    slug = label.split("=")[0].replace(" ", "-")
    log = Path(tempfile.gettempdir()) / f"flagpost-bench-worker-{os.getpid()}-{slug}.log"
    celery = Path(sys.executable).parent / "celery"
    with log.open("w") as output:
        worker = subprocess.Popen(
            [
                str(celery),
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--loglevel=WARNING",
                "-n",
                node,
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        started = time.monotonic()
        while not app.control.ping(destination=[node], timeout=0.5):
            if worker.poll() is not None or time.monotonic() - started > 60:
                raise SystemExit(f"The worker didn't start; see {log}")
        enqueue_at = timezone.now()
        started = time.perf_counter()
        for notification_id in ids:
            notification_deliver.delay(notification_id)
        enqueue = time.perf_counter() - started
        pending = Notification.objects.filter(pk__in=ids).exclude(email_status=DeliveryStatus.SENT)
        limit = time.monotonic() + 300
        while pending.exists():
            if time.monotonic() > limit or worker.poll() is not None:
                raise SystemExit(f"Delivery didn't finish; see {log}")
            time.sleep(0.05)
        times = Notification.objects.filter(pk__in=ids).aggregate(
            first=Min("email_sent_at"), last=Max("email_sent_at")
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    total = (times["last"] - enqueue_at).total_seconds()
    first = (times["first"] - enqueue_at).total_seconds()
    print(f"  (purged {purged or 0} old messages; worker log {log})")
    return (label, f"{count:,}", _ms(enqueue), _ms(first), _ms(total), f"{count / total:,.0f} /s")


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = [" | ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True))]
    lines.append("-+-".join("-" * width for width in widths))
    lines += [
        " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--notifications", type=int, default=2_000)
    parser.add_argument("--skip-worker", action="store_true")
    parser.add_argument("--skip-sweep", action="store_true")
    arguments = parser.parse_args()

    env = _environment()
    _database_recreate()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print(f"Database {connection.settings_dict['NAME']} (recreated); migrating …")
    call_command("migrate", verbosity=0)

    if not arguments.skip_sweep:
        started = time.perf_counter()
        bench = sweep_benchmark(arguments.cases)
        print()
        print(
            table(
                (
                    "sweep",
                    "open deadlines",
                    "due",
                    "deadlines_due()",
                    "deadlines_sweep()",
                    "queries",
                    "per step",
                ),
                bench.rows,
            )
        )
        print(f"  ({_ms(time.perf_counter() - started)} for part (a) in all)")
        print()
    if not arguments.skip_worker:
        if arguments.skip_sweep:
            Bench(cases=0)  # the two users
        # As deployed (a new database connection per task), then with persistent connections,
        # which shows how much of the per-task cost is connecting.
        url = os.environ["DATABASE_URL"]
        persistent = {
            **env,
            "DATABASE_URL": url + ("&" if "?" in url else "?") + "conn_max_age=600",
        }
        rows = [
            worker_benchmark(arguments.notifications, env, label="as configured"),
            worker_benchmark(arguments.notifications, persistent, label="conn_max_age=600"),
        ]
        print()
        print(
            table(
                ("worker", "notifications", "enqueue", "first sent", "last sent", "delivered"), rows
            )
        )


if __name__ == "__main__":
    main()
