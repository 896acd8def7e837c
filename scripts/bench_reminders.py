"""Benchmark: what a reminder sweep costs, and how fast one worker delivers notifications.

Not a test: it prints its figures, each beside its goal. Run it from the project root with

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/flagpost_bench .venv/bin/python scripts/bench_reminders.py

Options: ``--cases 1000000`` (open cases, each with an open deadline), ``--keep`` (reuse a
database this script filled before, migrating it first), ``--notifications 5000`` (emails
for the worker to deliver), ``--skip-worker``, ``--skip-sweep``.

It refuses any database whose name doesn't end in ``_bench``, because it drops and recreates
that database (unless ``--keep`` finds it filled), migrates it (``call_command("migrate")``)
and fills it with SQL (``generate_series``). Redis is ``CELERY_BROKER_URL`` (default
``redis://127.0.0.1:6379/14``); the queue there is purged before the worker run.

(a) Sweep cost: N open cases with a triage deadline each, next steps spread over three weeks,
and two triage officers. With 0, 100 and then 10,000 of them due, it times ``deadlines_due``
alone and a whole ``deadlines_sweep(now=..., limit=...)`` as the beat task runs it (claims
each step, writes the notifications and queues their emails on Redis), with its query count.
A fresh fill also times the 100-due sweep on a 1,000-case table first, to compare sizes.

(b) Delivery: N pending notifications written as the sweep writes them, a real
``celery -A config worker --pool=solo`` process on Redis sending to an aiosmtpd server in
this process over SMTP, timed from the first enqueue to the last row marked sent (the rows'
own ``email_sent_at``); it also counts the SMTP connections the server saw.
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
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BROKER_DEFAULT = "redis://127.0.0.1:6379/14"
# The first case's deadline starts this long before the bench's "now" (see Bench.now).
FIRST_START_BEFORE_NOW = dt.timedelta(hours=11, minutes=30)
GOALS = {"100 due": 0.050, "10,000 due": 2.0}
DELIVERY_GOAL = 200  # emails a second


def _environment() -> dict[str, str]:
    """Settings for this process and the worker: production mode, Redis."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("Set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/flagpost_bench")
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", BROKER_DEFAULT),
        "DEBUG": "false",  # no query log kept in memory, as in production
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-" + "x" * 40),
        "ALLOWED_HOSTS": "localhost",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    return env


def _database(*, keep: bool) -> bool:
    """Make sure the bench database exists; True if it was (re)created empty."""
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
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if keep and exists:
            return False
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return True


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def _columns(model: Any, given: dict[str, str]) -> tuple[str, str]:
    """Every column but the id, and a neutral value for each one not ``given``."""
    from django.db.models import BooleanField, CharField, DateTimeField, TextField

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        if field.column in given:
            value = given[field.column]
        elif field.null:
            value = "NULL"
        elif field.has_default() and isinstance(field.get_default(), bool | int):
            value = (
                str(field.get_default()).upper()
                if isinstance(field, BooleanField)
                else str(int(field.get_default()))
            )
        elif isinstance(field, CharField | TextField):
            value = f"'{field.get_default() or ''}'"
        elif isinstance(field, DateTimeField):
            value = "%(now)s"
        else:
            raise ValueError(f"No value for {model.__name__}.{field.name}")
        columns.append(f'"{field.column}"')
        values.append(value)
    return ", ".join(columns), ", ".join(values)


class Bench:
    def __init__(self) -> None:
        from directory.models import Role, User, role_group

        self.rows: list[tuple[str, ...]] = []
        self.made = self._count()
        self.now = self._now()
        for name in ("Tom", "Tess"):
            person, _ = User.objects.get_or_create(
                email=f"bench-{name.lower()}@trust.example.nhs.uk",
                defaults={"first_name": name, "last_name": "Triage"},
            )
            person.groups.add(role_group(Role.TRIAGE_OFFICER))
        hr_lead, _ = User.objects.get_or_create(
            email="bench-hr@trust.example.nhs.uk",
            defaults={"first_name": "Hana", "last_name": "Lead"},
        )
        hr_lead.groups.add(role_group(Role.HR_LEAD))

    @staticmethod
    def _count() -> int:
        from casework.models import Case

        return Case.objects.filter(reference__startswith="BENCH-").count()

    @staticmethod
    def _now() -> dt.datetime:
        """The moment the filled deadlines were spread from: kept by the first case's start.

        Sweeps and ``make_due`` never change ``started_at``, so a kept database gives it back.
        """
        from django.utils import timezone

        from deadlines.models import Deadline

        first = (
            Deadline.objects.filter(case__reference__startswith="BENCH-")
            .order_by("case_id")
            .values_list("started_at", flat=True)
            .first()
        )
        if first is None:
            return timezone.now().replace(microsecond=0)
        return first + FIRST_START_BEFORE_NOW

    def cases_add(self, count: int) -> None:
        """``count`` open cases, each with a triage deadline whose next step is hours to weeks away."""
        from django.db import connection, transaction

        from casework.models import Case
        from deadlines.models import Clock, Deadline

        started = time.perf_counter()
        first, last = self.made, self.made + count - 1
        now = f"'{self.now.isoformat()}'::timestamptz"
        case_columns, case_values = _columns(
            Case,
            {
                "reference": "'BENCH-' || lpad(g::text, 7, '0')",
                "next_due_at": f"{now} + interval '1 day'",
            },
        )
        # Spread the next actions over three weeks, none of them due yet.
        # (bigint: g * 7919 passes the integer range from the 271,185th case on.)
        remind = (
            f"{now} + interval '30 minutes' "
            "+ ((g::bigint * 7919) %% (21 * 24 * 60)) * interval '1 minute'"
        )
        deadline_columns, deadline_values = _columns(
            Deadline,
            {
                "case_id": "c.id",
                "clock": f"'{Clock.TRIAGE_START.value}'",
                "cycle": "0",
                "started_at": f"{remind} - interval '12 hours'",
                "due_at": f"{remind} + interval '12 hours'",
                "remind_at": remind,
                "escalate_at": f"{remind} + interval '60 hours'",
                "next_action_at": remind,
            },
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f'INSERT INTO "{Case._meta.db_table}" ({case_columns}) '
                f"SELECT {case_values % {'now': now}} FROM generate_series({first}, {last}) g"
            )
            cursor.execute(
                f'INSERT INTO "{Deadline._meta.db_table}" ({deadline_columns}) '
                f"SELECT {deadline_values % {'now': now}} "
                f'FROM "{Case._meta.db_table}" c, '
                "LATERAL (SELECT substring(c.reference from 7)::int AS g) n "
                f"WHERE c.reference LIKE 'BENCH-%%' AND n.g BETWEEN {first} AND {last}"
            )
        self.made += count
        self._analyze()
        print(
            f"  {self.made:,} open cases with deadlines ({count:,} added in "
            f"{_ms(time.perf_counter() - started)})",
            flush=True,
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
        from django.db import connection

        from deadlines.models import Deadline

        due = self.now - dt.timedelta(minutes=1)
        # Every (total / count)-th of the deadlines not reminded yet, by a hash of the id.
        with connection.cursor() as cursor:
            cursor.execute(
                f'UPDATE "{Deadline._meta.db_table}" SET remind_at = %s, next_action_at = %s, '
                "due_at = %s WHERE id IN (SELECT id FROM deadlines_deadline "
                "WHERE reminder_sent_at IS NULL AND next_action_at > %s "
                "ORDER BY (id * 2654435761) %% 4294967296 LIMIT %s)",
                [due, due, self.now + dt.timedelta(hours=12), self.now, count],
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
        goal = GOALS.get(label)
        self.rows.append(
            (
                label,
                f"{self.made:,}",
                f"{due:,}",
                _ms(statistics.median(listing)),
                _ms(sweep),
                f"{queries:,}",
                _ms(sweep / due) if due else "-",
                f"≤{_ms(goal)}: {'met' if sweep <= goal else 'MISSED'}" if goal else "",
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

    def settle(self) -> None:
        """Send whatever an interrupted earlier run left due, so "nothing due" means nothing."""
        from casework.notices import deadlines_sweep

        while deadlines_sweep(now=self.now, limit=10_000):
            pass


def _warm_up() -> None:
    """Load the URL patterns, compile the email templates and open the broker connection, as a
    long-running worker has.

    The first sweep in a process otherwise pays for importing every view (seconds here).
    """
    from django.template.loader import get_template
    from django.urls import reverse

    from notifications.tasks import notifications_deliver

    reverse("casework:case_detail", args=["BENCH-0000000"])
    for kind in ("deadline_reminder", "deadline_overdue", "deadline_escalation"):
        for part in ("subject.txt", "body.txt", "body.html"):
            get_template(f"notifications/email/{kind}/{part}")
    # A worker running the sweep has published before: its connection to the broker is open.
    # An empty batch claims nothing (the delivery benchmark purges the queue before it starts).
    notifications_deliver.delay([])


def sweep_benchmark(cases: int) -> Bench:
    _warm_up()
    bench = Bench()
    if bench.made >= cases:
        print(f"(a) Sweep cost: reusing {bench.made:,} open cases …", flush=True)
        bench.settle()
    else:
        print(f"(a) Sweep cost: building {cases:,} open cases …", flush=True)
        first = min(1_000, cases)
        if bench.made < first:
            bench.cases_add(first - bench.made)
            bench.make_due(100)
            bench.measure("100 due, small table", 100)
        bench.cases_add(cases - bench.made)
    bench.measure("nothing due", 0)
    bench.make_due(100)
    bench.measure("100 due", 100)
    bench.make_due(10_000)
    bench.measure("10,000 due", 10_000)
    bench.make_due(100)
    print("  plan of deadlines_due with 100 due:")
    for line in bench.explain().splitlines()[:8]:
        print("    " + line)
    bench.settle()
    return bench


class CountingHandler:
    """An aiosmtpd handler that counts the messages it accepts and the connections they came on."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages = 0
        self.peers: set[object] = set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages += 1
            self.peers.add(session.peer)
        return "250 2.0.0 Accepted"


def _outbox_rows(count: int) -> list[int]:
    """``count`` pending emails, written as the sweep writes them (bodies rendered at sending)."""
    from django.utils import timezone

    from casework.models import Case
    from directory.models import Role, User
    from notifications.models import DeliveryStatus, Notification, NotificationKind

    people = list(User.objects.filter(groups__role__code=Role.TRIAGE_OFFICER).order_by("pk"))
    cases = list(Case.objects.filter(reference__startswith="BENCH-").order_by("pk")[:count])
    later = timezone.now() + dt.timedelta(hours=1)  # out of the sweeper's way
    deferred = any(field.name == "render_context" for field in Notification._meta.fields)
    rows = []
    for n in range(count):
        case = cases[n % len(cases)]
        fields: dict[str, object] = {}
        if deferred:
            from notifications.rendering import render_context_dump

            fields = {
                "body_text": "",
                "body_html": "",
                "render_context": render_context_dump(
                    {"clock_label": "Triage started", "due_at": later}
                ),
            }
        else:  # the code before bodies were rendered at sending
            fields = {
                "body_text": "This is a reminder.\n" * 5,
                "body_html": "<p>This is a reminder.</p>" * 5,
            }
        rows.append(
            Notification(
                recipient=people[n % len(people)],
                kind=NotificationKind.DEADLINE_REMINDER,
                subject=f"Reminder: triage started on case {case.reference} is due",
                link=f"/cases/{case.reference}/",
                case=case,
                email_status=DeliveryStatus.PENDING,
                email_due_at=later,
                **fields,
            )
        )
    Notification.objects.bulk_create(rows, batch_size=2000)
    return [row.pk for row in rows]


def _enqueue(ids: list[int]) -> str:
    from notifications import tasks

    batch_task = getattr(tasks, "notifications_deliver", None)
    if batch_task is None:  # the code before batches: one task per email
        for notification_id in ids:
            tasks.notification_deliver.delay(notification_id)
        return "one task per email"
    from notifications.services import DELIVERY_BATCH

    for first in range(0, len(ids), DELIVERY_BATCH):
        batch_task.delay(ids[first : first + DELIVERY_BATCH])
    return f"tasks of {DELIVERY_BATCH}"


def worker_benchmark(count: int, env: dict[str, str]) -> tuple[str, ...]:
    from aiosmtpd.controller import Controller
    from django.db.models import Max, Min
    from django.utils import timezone

    from config.celery import app
    from notifications.models import DeliveryStatus, Notification

    handler = CountingHandler()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    print(
        f"(b) Delivery: {count:,} pending notifications, one solo worker on "
        f"{env['CELERY_BROKER_URL']}, SMTP to aiosmtpd on 127.0.0.1:{port} …",
        flush=True,
    )
    purged = app.control.purge()
    ids = _outbox_rows(count)
    worker_env = {
        **os.environ,
        **env,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "EMAIL_USE_TLS": "false",
    }
    node = f"bench-{os.getpid()}@{socket.gethostname()}"
    log = Path(tempfile.gettempdir()) / f"flagpost-bench-worker-{os.getpid()}.log"
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
            env=worker_env,
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
        how = _enqueue(ids)
        enqueue = time.perf_counter() - started
        # Polled by id range, not by a list of 5,000 ids: building that query took 30 ms of this
        # process's time each poll, taken from the SMTP server running in it.
        ours = Notification.objects.filter(pk__range=(min(ids), max(ids)))
        assert ours.count() == len(ids), "other notifications were written among the bench's"
        pending = ours.exclude(email_status=DeliveryStatus.SENT)
        limit = time.monotonic() + 600
        while pending.exists():
            if time.monotonic() > limit or worker.poll() is not None:
                raise SystemExit(f"Delivery didn't finish; see {log}")
            time.sleep(0.1)
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
        controller.stop()
    total = (times["last"] - enqueue_at).total_seconds()
    first = (times["first"] - enqueue_at).total_seconds()
    rate = count / total
    print(f"  (purged {purged or 0} old messages; worker log {log})")
    return (
        how,
        f"{count:,}",
        f"{handler.messages:,}",
        f"{len(handler.peers):,}",
        _ms(enqueue),
        _ms(first),
        _ms(total),
        f"{rate:,.0f} /s",
        f"≥{DELIVERY_GOAL}/s: {'met' if rate >= DELIVERY_GOAL else 'MISSED'}",
    )


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
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--notifications", type=int, default=5_000)
    parser.add_argument("--keep", action="store_true", help="reuse a database filled before")
    parser.add_argument("--skip-worker", action="store_true")
    parser.add_argument("--skip-sweep", action="store_true")
    arguments = parser.parse_args()

    env = _environment()
    created = _database(keep=arguments.keep)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    state = "recreated" if created else "kept"
    print(f"Database {connection.settings_dict['NAME']} ({state}); migrating …", flush=True)
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
                    "goal",
                ),
                bench.rows,
            )
        )
        print(f"  ({_ms(time.perf_counter() - started)} for part (a) in all)")
        print(flush=True)
    if not arguments.skip_worker:
        bench = Bench()
        if bench.made == 0:
            bench.cases_add(1_000)
        rows = [worker_benchmark(arguments.notifications, env)]
        print()
        print(
            table(
                (
                    "enqueued as",
                    "notifications",
                    "accepted",
                    "SMTP connections",
                    "enqueue",
                    "first sent",
                    "last sent",
                    "delivered",
                    "goal",
                ),
                rows,
            )
        )


if __name__ == "__main__":
    main()
