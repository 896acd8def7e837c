"""Benchmark: do audited page views queue behind each other?

Not a test: it prints its figures. Run it from the project root with

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/flagpost_audit_bench .venv/bin/python scripts/bench_audit.py

Options: ``--clients 4``, ``--seconds 15`` (per measurement), ``--keep``
(reuse the database: no drop, no migrate).

Like the other ``scripts/bench_*.py`` it refuses any database whose name
doesn't end in ``_bench``: it drops, recreates and migrates it, then makes one
case in investigation with its people (the test factories).

``--clients`` processes (each its own Django and database connection, as
gunicorn workers are) view the case page as the HR lead, over Django's test
client (the whole view, middleware and template, no HTTP socket), for
``--seconds``, three ways:

* unaudited: the same page with its audit write left out;
* audited: the page as it is, writing its audit row;
* audit rows alone: each client writes audit rows in a loop, nothing else.

While audited views run, a sealer process seals every second, if this
checkout has one (``audit.services.audit_seal``), so its cost is counted.
It prints views (or rows) per second for each, and audited as a percentage
of unaudited. It runs on any checkout that has the case page, so the same
file measures the code before the sealer: copy it and run it from that
checkout.
"""

from __future__ import annotations

import argparse
import importlib
import multiprocessing
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path.cwd()
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_governance  # its environment and database guard, shared rather than copied

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/flagpost_audit_bench"


def _setup() -> tuple[int, str]:
    from casework.models import CaseState
    from directory.models import Role

    # The test factories make a case with all its people; imported by name, as a script's tool,
    # so the type checker doesn't take them for part of the application.
    factories = importlib.import_module("tests.factories")
    Cast, UserFactory, case_in_state = (
        factories.Cast,
        factories.UserFactory,
        factories.case_in_state,
    )
    line_manager = UserFactory(job_title="Team leader")
    cast = Cast(
        reporter=UserFactory(line_manager=UserFactory()),
        poster=UserFactory(line_manager=line_manager),
        line_manager=line_manager,
        triage_officer=UserFactory(roles=[Role.TRIAGE_OFFICER]),
        investigator=UserFactory(roles=[Role.HR_INVESTIGATOR]),
        decision_maker=UserFactory(roles=[Role.HR_LEAD]),
    )
    case = case_in_state(CaseState.INVESTIGATION, cast)
    return cast.decision_maker.pk, case.reference


def _client(user_id: int) -> Any:
    from django.test import Client

    from directory.models import User

    client = Client()
    client.force_login(User.objects.get(pk=user_id))
    return client


def _views(mode: str, user_id: int, reference: str, seconds: float, start: Any, out: Any) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.urls import reverse

    import casework.views

    if mode == "unaudited":
        casework.views.audit_record = lambda **kwargs: None  # type: ignore[assignment]
    client = _client(user_id)
    url = reverse("casework:case_detail", args=[reference])
    for _ in range(5):  # warm: templates, connection
        assert client.get(url, secure=True).status_code == 200
    start.wait()
    done, until = 0, time.perf_counter() + seconds
    while time.perf_counter() < until:
        response = client.get(url, secure=True)
        assert response.status_code == 200, response.status_code
        done += 1
    out.put(done)
    connection.close()


def _rows(mode: str, user_id: int, reference: str, seconds: float, start: Any, out: Any) -> None:
    import django

    django.setup()
    from django.db import connection, transaction

    from audit.models import AuditKind
    from audit.services import audit_record
    from directory.models import User

    actor = User.objects.get(pk=user_id)
    start.wait()
    done, until = 0, time.perf_counter() + seconds
    while time.perf_counter() < until:
        with transaction.atomic():
            audit_record(kind=AuditKind.CASE_VIEWED, actor=actor, detail={"bench": True})
        done += 1
    out.put(done)
    connection.close()


def _sealer(stop: Any) -> None:
    import django

    django.setup()
    from audit import services

    seal = getattr(services, "audit_seal", None)
    while seal is not None and not stop.is_set():
        seal()
        stop.wait(1.0)


def _measure(
    work: Any, mode: str, clients: int, user_id: int, reference: str, seconds: float, sealer: bool
) -> float:
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    start, out, stop = context.Barrier(clients + 1), context.Queue(), context.Event()
    workers = [
        context.Process(target=work, args=(mode, user_id, reference, seconds, start, out))
        for _ in range(clients)
    ]
    sealing = context.Process(target=_sealer, args=(stop,)) if sealer else None
    for process in workers:
        process.start()
    if sealing is not None:
        sealing.start()
    start.wait()
    began = time.perf_counter()
    total = sum(out.get(timeout=seconds + 120) for _ in workers)
    elapsed = time.perf_counter() - began
    for process in workers:
        process.join()
    stop.set()
    if sealing is not None:
        sealing.join()
    if any(process.exitcode for process in workers):
        sys.exit(f"A client failed in the {mode} run.")
    return total / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--keep", action="store_true")
    arguments = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit(f"Set DATABASE_URL, e.g. {DEFAULT_URL}")
    bench_governance._environment()
    # The test client's host, and a folder of its own for the signing key and checkpoints.
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault(
        "FLAGPOST_VAR_DIR", str(Path("/tmp") / f"flagpost-bench-audit-{os.getpid()}")
    )
    bench_governance._database_check(recreate=not arguments.keep)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the production page's manifest
    user_id, reference = _setup()
    print(
        f"{arguments.clients} clients, {arguments.seconds:g} s each, database "
        f"{connection.settings_dict['NAME']}, checkout {ROOT}"
    )
    figures = {}
    for label, work, mode, sealer in (
        ("unaudited case page views", _views, "unaudited", False),
        ("audited case page views", _views, "audited", True),
        ("audit rows alone", _rows, "rows", True),
    ):
        rate = _measure(
            work, mode, arguments.clients, user_id, reference, arguments.seconds, sealer
        )
        figures[mode] = rate
        print(f"  {label:<28} {rate:8.1f} /s")
    ratio = figures["audited"] / figures["unaudited"]
    print(f"  audited views: {ratio:.0%} of unaudited ({1 - ratio:+.0%} slower)")
    from audit.models import AuditEvent

    unsealed = (
        AuditEvent.objects.filter(hash__isnull=True).count() if hasattr(AuditEvent, "hash") else 0
    )
    print(f"  audit rows: {AuditEvent.objects.count():,}; not yet sealed at the end: {unsealed:,}")


if __name__ == "__main__":
    main()
