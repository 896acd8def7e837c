from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require_service


@pytest.fixture
def celery_worker(tmp_path: Path, _tasks_run_in_process) -> Iterator[object]:
    """A real Celery worker, in a thread of this process, on the configured broker.

    With CELERY_BROKER_URL pointing at Redis (as in CI) it is Redis; otherwise
    the embedded file broker in a folder of this test's own.
    """
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    broker = app.conf.broker_url or ""
    if os.environ.get("FLAGPOST_REQUIRE_SERVICES") == "1" and not broker.startswith("redis://"):
        if os.environ.get("CELERY_BROKER_URL", "").startswith("redis://"):
            require_service("CELERY_BROKER_URL", "the Celery app is not using the Redis broker it was given")
    saved = (app.conf.task_always_eager, dict(app.conf.broker_transport_options or {}))
    app.conf.task_always_eager = False
    if broker.startswith("filesystem://"):
        folder = tmp_path / "broker"
        folder.mkdir()
        (tmp_path / "control").mkdir()
        app.conf.broker_transport_options = {
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "control_folder": str(tmp_path / "control"),
            "store_processed": False,
        }
    elif broker.startswith("redis://"):
        import redis

        try:
            redis.Redis.from_url(broker, socket_connect_timeout=2).ping()
        except redis.exceptions.ConnectionError:
            require_service("CELERY_BROKER_URL", f"Redis at {broker} is not reachable")
    _fresh_connections(app)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker
    app.conf.task_always_eager, app.conf.broker_transport_options = saved
    _fresh_connections(app)


def _fresh_connections(app) -> None:  # noqa: ANN001 - the Celery app
    # Producers made before this point were built with other transport
    # options; the next publish must open a connection with the current ones.
    # Dropped, not closed: kombu's shared registry may still hand them to others.
    app._pool = None
    app.amqp._producer_pool = None
