"""Notification fixtures: the configured broker, real Celery workers (in a thread or a process) and a real SMTP server."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.helpers import require_service
from tests.notifications.helpers import (
    BASE_DIR,
    Broker,
    FinishedTask,
    FinishedTasks,
    RecordingSMTPHandler,
    WorkerProcess,
    _celery_command,
    _database_url,
    _fresh_connections,
    _worker_in_thread,
    broker_for_this_worker,
    free_port,
    wait_until,
)


@pytest.fixture
def real_broker(tmp_path: Path, _tasks_run_in_process) -> Iterator[Broker]:
    """Tasks go to the configured broker instead of running in the test's process.

    With CELERY_BROKER_URL pointing at Redis (as in CI) it is Redis; otherwise
    the embedded file broker in a folder of this test's own, laid out as the
    settings lay it out under FLAGPOST_VAR_DIR so a worker process can share it.
    """
    from config.celery import app

    configured = app.conf.broker_url or ""
    broker = broker_for_this_worker(configured)
    if (
        os.environ.get("FLAGPOST_REQUIRE_SERVICES") == "1"
        and not broker.startswith("redis://")
        and os.environ.get("CELERY_BROKER_URL", "").startswith("redis://")
    ):
        require_service(
            "CELERY_BROKER_URL", "the Celery app is not using the Redis broker it was given"
        )
    saved = (app.conf.task_always_eager, dict(app.conf.broker_transport_options or {}))
    environment = pytest.MonkeyPatch()
    var_dir = tmp_path / "var"
    if broker.startswith("filesystem://"):
        celery_dir = var_dir / "celery"
        folders = {
            "data_folder_in": celery_dir / "queue",
            "data_folder_out": celery_dir / "queue",
            "processed_folder": celery_dir / "processed",
            "control_folder": celery_dir / "control",
        }
        for folder in folders.values():
            folder.mkdir(parents=True, exist_ok=True)
        app.conf.broker_transport_options = {
            **{key: str(folder) for key, folder in folders.items()},
            "store_processed": False,
        }
    elif broker.startswith("redis://"):
        import redis

        try:
            redis.Redis.from_url(broker, socket_connect_timeout=2).ping()
        except redis.exceptions.ConnectionError:
            require_service("CELERY_BROKER_URL", f"Redis at {broker} is not reachable")
        except redis.exceptions.ResponseError as error:
            pytest.fail(f"{broker} (this test worker's broker, from {configured}): {error}")
        # A message another test left unacknowledged would come back to this test's worker.
        redis.Redis.from_url(broker).flushdb()
        # Celery reads CELERY_BROKER_URL from the environment before its own configuration,
        # at every connection: the producer, an in-process worker and a worker process alike.
        environment.setenv("CELERY_BROKER_URL", broker)
    app.conf.task_always_eager = False
    _fresh_connections(app)
    try:
        yield Broker(url=broker, var_dir=var_dir)
    finally:
        app.conf.task_always_eager, app.conf.broker_transport_options = saved
        environment.undo()
        _fresh_connections(app)


@pytest.fixture
def celery_worker(real_broker: Broker) -> Iterator[object]:
    """A real Celery worker, in a thread of this process, on the configured broker."""
    from config.celery import app

    with _worker_in_thread(app) as worker:
        yield worker


@pytest.fixture
def start_celery_worker(real_broker: Broker) -> Iterator[Callable[[], object]]:
    """``start_celery_worker()`` starts the in-process worker later in the test; it stops at teardown."""
    from config.celery import app

    with ExitStack() as stack:
        yield lambda: stack.enter_context(_worker_in_thread(app))


@pytest.fixture
def finished_tasks() -> Iterator[FinishedTasks]:
    from celery.signals import task_postrun

    finished = FinishedTasks()

    def record(sender=None, task_id=None, task=None, retval=None, state=None, **kwargs) -> None:
        with finished.lock:
            finished.runs.append(FinishedTask(task.name, task_id, retval, state))

    task_postrun.connect(record, weak=False)
    try:
        yield finished
    finally:
        task_postrun.disconnect(record)


# --- A real SMTP server -------------------------------------------------------------


@pytest.fixture
def smtp_server(settings) -> Iterator[RecordingSMTPHandler]:
    """A real SMTP server on a free local port; Django's SMTP backend points at it."""
    from aiosmtpd.controller import Controller

    handler = RecordingSMTPHandler()
    # aiosmtpd can't listen on port 0, so a free port is picked first; another
    # process (an xdist worker's server, say) may take it in between: pick again.
    for attempt in range(5):
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        try:
            controller.start()
            break
        except (OSError, RuntimeError):
            if attempt == 4:
                raise
    handler.port = controller.port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = handler.host, handler.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    try:
        yield handler
    finally:
        handler.release.set()
        controller.stop()


# --- A worker in a process of its own ---------------------------------------------


@pytest.fixture
def worker_process(
    real_broker: Broker, smtp_server: RecordingSMTPHandler, tmp_path: Path
) -> Iterator[Callable[[], WorkerProcess]]:
    """``worker_process()`` starts ``celery worker`` in a new process group and waits until it is ready.

    It uses this test's database (so the test needs ``transaction=True``), the
    same broker and the test's SMTP server, with a 3-second claim lease and a
    5-second visibility timeout. Every worker started is killed at teardown.
    """
    started: list[WorkerProcess] = []

    def start() -> WorkerProcess:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": real_broker.url,
            "FLAGPOST_VAR_DIR": str(real_broker.var_dir),
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": smtp_server.host,
            "EMAIL_PORT": str(smtp_server.port),
            "EMAIL_USE_TLS": "false",
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "NOTIFICATION_CLAIM_LEASE_SECONDS": "3",
            "CELERY_VISIBILITY_TIMEOUT": "5",
            "DEBUG": "true",
            "PYTHONUNBUFFERED": "1",
        }
        for variable in (
            "CELERY_TASK_ALWAYS_EAGER",
            "CELERY_BROKER_READ_URL",
            "CELERY_BROKER_WRITE_URL",
        ):
            env.pop(variable, None)
        log = tmp_path / f"worker-{len(started) + 1}.log"
        tag = f"flagpost-test-{uuid.uuid4().hex[:8]}"
        name = f"{tag}@%h"
        env["PGAPPNAME"] = tag  # libpq names the worker's connections after it
        with log.open("wb") as output:
            process = subprocess.Popen(
                [
                    *_celery_command(),
                    "-A",
                    "config",
                    "worker",
                    "--pool=solo",
                    "--concurrency=1",
                    "-l",
                    "info",
                    "-n",
                    name,
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=BASE_DIR,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = WorkerProcess(process=process, log=log, application_name=tag)
        started.append(worker)
        ready = wait_until(
            lambda: process.poll() is not None or " ready." in worker.log_tail(200),
            timeout=60,
            interval=0.2,
        )
        if not ready or process.poll() is not None:
            worker.kill()
            pytest.fail(f"the worker process did not start:\n{worker.log_tail()}")
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.kill()
