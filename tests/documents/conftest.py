"""Document drill fixtures: the Redis broker and a real prefork worker whose renders wait on a file."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.documents.helpers import Drill, drill_worker
from tests.helpers import require_service
from tests.notifications.helpers import WorkerProcess, _fresh_connections, broker_for_this_worker


@pytest.fixture
def redis_broker(_tasks_run_in_process) -> Iterator[str]:
    """Tasks go to Redis (CELERY_BROKER_URL) instead of running in the test's process."""
    import redis

    from config.celery import app

    broker = broker_for_this_worker(os.environ.get("CELERY_BROKER_URL", ""))
    if not broker.startswith("redis://"):
        require_service("CELERY_BROKER_URL", "the document drills flush and stop Redis")
    try:
        redis.Redis.from_url(broker, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        require_service("CELERY_BROKER_URL", f"Redis at {broker} is not reachable")
    environment = pytest.MonkeyPatch()
    environment.setenv("CELERY_BROKER_URL", broker)
    redis.Redis.from_url(broker).flushdb()  # nothing left over from another test
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    _fresh_connections(app)
    try:
        yield broker
    finally:
        app.conf.task_always_eager = saved
        environment.undo()
        _fresh_connections(app)


@pytest.fixture
def drill(tmp_path: Path) -> Drill:
    folder = tmp_path / "drill"
    folder.mkdir()
    return Drill(folder)


@pytest.fixture
def start_drill_worker(
    redis_broker: str, drill: Drill, settings, tmp_path: Path
) -> Iterator[Callable[..., WorkerProcess]]:
    """``start_drill_worker()`` starts a prefork worker process; every one is killed at teardown."""
    started: list[WorkerProcess] = []

    def start(**environment: str) -> WorkerProcess:
        worker = drill_worker(
            broker=redis_broker,
            drill=drill,
            summary_root=Path(settings.SUMMARY_ROOT),
            log=tmp_path / f"worker-{len(started) + 1}.log",
            **environment,
        )
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        drill.release()
        for worker in started:
            worker.kill()
