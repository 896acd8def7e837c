"""Fault drills for rendered documents, with a real prefork worker, real Redis and PostgreSQL.

Each drill breaks one thing while summaries (and a committee pack) are on
their way and then checks the outcome the person asking sees: every document
expected is ready (lost = 0), each with one file and one "ready" answer from
the worker (duplicates = 0). What is broken is real: the pool child is
SIGKILLed mid-render, the Redis database is flushed, the broker is a closed
port while the request is made, the worker's PostgreSQL backend is terminated
before the row is marked ready.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from casework.models import Case, CaseState
from directory.models import Role
from governance.figures import Filters, Period
from governance.models import CommitteePack, PackStatus
from governance.services import pack_request
from summaries.models import CaseSummary, SummaryStatus
from summaries.services import summary_archive_on_close, summary_request
from summaries.tasks import summaries_sweep_task
from tests.documents.helpers import ready_transitions
from tests.factories import CaseFactory, UserFactory
from tests.notifications.helpers import _fresh_connections, free_port, wait_until

pytestmark = [
    pytest.mark.worker,
    pytest.mark.postgresql,
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="a worker process can't share an in-memory SQLite test database (CI runs this "
        "on PostgreSQL and deselects it with -m 'not postgresql' on SQLite)",
    ),
    pytest.mark.django_db(transaction=True),
]


def _case(poster, poster_manager, investigator) -> Case:
    return CaseFactory(
        state=CaseState.DECISION,
        poster=poster,
        line_manager=poster_manager,
        investigator=investigator,
        decision_maker=UserFactory(roles=[Role.HR_LEAD]),
    )


def _files() -> list[Path]:
    return sorted(p for p in Path(settings.SUMMARY_ROOT).rglob("*") if p.is_file())


def _all_ready(model) -> bool:
    return not model.objects.exclude(status="ready").exists()


def _assert_each_ready_once(worker, *, summaries: int, packs: int = 0) -> None:
    assert wait_until(lambda: _all_ready(CaseSummary) and _all_ready(CommitteePack), timeout=45), (
        list(CaseSummary.objects.values("status", "error")),
        worker.log_tail(),
    )
    time.sleep(1.5)  # room for a duplicate to show up, if there were one
    expected = summaries + packs
    assert CaseSummary.objects.filter(status=SummaryStatus.READY).count() == summaries  # lost = 0
    assert CommitteePack.objects.filter(status=PackStatus.READY).count() == packs
    assert len(_files()) == expected, _files()  # one file each
    assert ready_transitions(worker) == expected, worker.log_tail()  # one "ready" each


def test_a_render_whose_pool_child_is_killed_is_finished_by_its_redelivery_at_once(
    start_drill_worker, drill, hr_lead, poster, poster_manager, investigator
) -> None:
    worker = start_drill_worker()
    summary = summary_request(
        case=_case(poster, poster_manager, investigator), variant="full", by=hr_lead
    )

    assert wait_until(drill.rendering, timeout=30), worker.log_tail()
    child = int(drill.rendering()[0].name.removeprefix("rendering-"))
    assert child != worker.process.pid
    os.kill(child, signal.SIGKILL)  # what the OOM killer does: the pool child only
    drill.release()

    # Well inside the 6-minute lease: the redelivered message took its own claim back.
    _assert_each_ready_once(worker, summaries=1)
    summary.refresh_from_db()
    assert summary.started_at and summary.completed_at
    assert summary.completed_at - summary.requested_at < dt.timedelta(seconds=45)
    assert "WorkerLostError" in worker.log.read_text(errors="replace")


def test_documents_queued_when_redis_is_flushed_are_all_made_once_by_the_sweeper(
    start_drill_worker, drill, redis_broker, settings, hr_lead, poster, poster_manager, investigator
) -> None:
    import redis

    settings.DOCUMENT_QUEUE_GRACE_SECONDS = 1
    cases = [_case(poster, poster_manager, investigator) for _ in range(4)]
    for case in cases[:2]:
        summary_request(case=case, variant="full", by=hr_lead)
    for case in cases[2:]:
        summary_archive_on_close(case=case, by=hr_lead)
    pack_request(
        filters=Filters(start=dt.date(2024, 1, 1), end=dt.date(2024, 3, 31), period=Period.MONTH),
        by=None,
        scheduled=True,
    )
    assert redis.Redis.from_url(redis_broker).llen("celery") == 5
    redis.Redis.from_url(redis_broker).flushdb()  # a restart without persistence, or FLUSHALL

    drill.release()
    worker = start_drill_worker(DOCUMENT_QUEUE_GRACE_SECONDS="1")
    time.sleep(1.2)
    # What the beat does every minute, through the broker to the worker.
    summaries_sweep_task.delay()
    from governance.tasks import committee_packs_sweep

    committee_packs_sweep.delay()
    _assert_each_ready_once(worker, summaries=4, packs=1)


def test_a_summary_asked_for_with_redis_down_is_made_once_redis_is_back(
    start_drill_worker, drill, settings, login, hr_lead, poster, poster_manager, investigator
) -> None:
    from config.celery import app

    settings.DOCUMENT_QUEUE_GRACE_SECONDS = 1
    case = _case(poster, poster_manager, investigator)
    saved = app.conf.broker_write_url
    app.conf.broker_write_url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    _fresh_connections(app)
    try:
        started = time.monotonic()
        response = login(hr_lead).post(
            reverse("summaries:create", args=[case.reference]), {"variant": "full"}
        )
        took = time.monotonic() - started
    finally:
        app.conf.broker_write_url = saved
        _fresh_connections(app)
    assert response.status_code == 302 and took < 10
    assert CaseSummary.objects.get().status == SummaryStatus.QUEUED

    drill.release()
    worker = start_drill_worker(DOCUMENT_QUEUE_GRACE_SECONDS="1")
    time.sleep(1.2)
    summaries_sweep_task.delay()
    _assert_each_ready_once(worker, summaries=1)


def test_a_summary_whose_database_connection_is_killed_before_ready_is_marked_on_a_new_one(
    start_drill_worker, drill, hr_lead, poster, poster_manager, investigator
) -> None:
    worker = start_drill_worker()
    summary_request(case=_case(poster, poster_manager, investigator), variant="full", by=hr_lead)

    assert wait_until(drill.rendering, timeout=30), worker.log_tail()
    backend = int(drill.rendering()[0].read_text())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [backend])
        assert cursor.fetchone()[0] is True
    drill.release()

    _assert_each_ready_once(worker, summaries=1)
    assert "Database connection lost marking a document ready" in worker.log.read_text(
        errors="replace"
    )


def test_a_render_whose_whole_worker_is_killed_is_taken_over_after_the_lease(
    start_drill_worker, drill, settings, hr_lead, poster, poster_manager, investigator
) -> None:
    # The lease in seconds here stands for the 6 minutes of production (see the README).
    settings.DOCUMENT_RENDER_LEASE_SECONDS = 3
    lease = {"DOCUMENT_RENDER_LEASE_SECONDS": "3", "CELERY_VISIBILITY_TIMEOUT": "5"}
    first = start_drill_worker(**lease)
    summary_request(case=_case(poster, poster_manager, investigator), variant="full", by=hr_lead)
    assert wait_until(drill.rendering, timeout=30), first.log_tail()
    first.kill()  # the whole worker: nothing is redelivered until Redis's visibility timeout
    assert CaseSummary.objects.get().status == SummaryStatus.RENDERING

    drill.release()
    second = start_drill_worker(**lease)
    time.sleep(3.5)
    summaries_sweep_task.delay()
    _assert_each_ready_once(second, summaries=1)
    # The dead worker's own message comes back after the visibility timeout and finds it done.
    time.sleep(5)
    assert ready_transitions(second) == 1 and len(_files()) == 1
