from __future__ import annotations

import asyncio
import email
import email.message
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import require_service

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def wait_until(predicate: Callable[[], object], *, timeout: float = 30.0, interval: float = 0.1) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds have passed (never longer than 60)."""
    from django.db import OperationalError

    def check() -> bool:
        try:
            return bool(predicate())
        except OperationalError as error:
            # An in-memory SQLite test database shared with a worker thread reports a table
            # locked by the worker's write at once instead of waiting: look again.
            if "locked" not in str(error):
                raise
            return False

    deadline = time.monotonic() + min(timeout, 60.0)
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return check()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Broker and in-process worker -----------------------------------------------


@dataclass
class Broker:
    url: str
    # Where the file broker keeps its folders (a worker process gets it as FLAGPOST_VAR_DIR).
    var_dir: Path


@pytest.fixture
def real_broker(tmp_path: Path, _tasks_run_in_process) -> Iterator[Broker]:
    """Tasks go to the configured broker instead of running in the test's process.

    With CELERY_BROKER_URL pointing at Redis (as in CI) it is Redis; otherwise
    the embedded file broker in a folder of this test's own, laid out as the
    settings lay it out under FLAGPOST_VAR_DIR so a worker process can share it.
    """
    from config.celery import app

    broker = app.conf.broker_url or ""
    if os.environ.get("FLAGPOST_REQUIRE_SERVICES") == "1" and not broker.startswith("redis://"):
        if os.environ.get("CELERY_BROKER_URL", "").startswith("redis://"):
            require_service("CELERY_BROKER_URL", "the Celery app is not using the Redis broker it was given")
    saved = (app.conf.task_always_eager, dict(app.conf.broker_transport_options or {}))
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
    app.conf.task_always_eager = False
    _fresh_connections(app)
    try:
        yield Broker(url=broker, var_dir=var_dir)
    finally:
        app.conf.task_always_eager, app.conf.broker_transport_options = saved
        _fresh_connections(app)


def _worker_in_thread(app):  # noqa: ANN001, ANN202 - the Celery app; a context manager
    from celery.contrib.testing.worker import start_worker

    return start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10)


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


def _fresh_connections(app) -> None:  # noqa: ANN001 - the Celery app
    # Producers made before this point were built with other transport
    # options; the next publish must open a connection with the current ones.
    # Dropped, not closed: kombu's shared registry may still hand them to others.
    app._pool = None
    app.amqp._producer_pool = None


@dataclass
class FinishedTask:
    name: str
    task_id: str
    retval: object
    state: str | None


@dataclass
class FinishedTasks:
    """Every task run that finished in this process (the in-process worker's), as Celery signals it."""

    runs: list[FinishedTask] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def of(self, name: str) -> list[FinishedTask]:
        with self.lock:
            return [run for run in self.runs if run.name == name]

    def by_id(self, task_id: str) -> list[FinishedTask]:
        with self.lock:
            return [run for run in self.runs if run.task_id == task_id]


@pytest.fixture
def finished_tasks() -> Iterator[FinishedTasks]:
    from celery.signals import task_postrun

    finished = FinishedTasks()

    def record(sender=None, task_id=None, task=None, retval=None, state=None, **kwargs) -> None:  # noqa: ANN001
        with finished.lock:
            finished.runs.append(FinishedTask(task.name, task_id, retval, state))

    task_postrun.connect(record, weak=False)
    try:
        yield finished
    finally:
        task_postrun.disconnect(record)


# --- A real SMTP server -------------------------------------------------------------


@dataclass
class Accepted:
    rcpt_tos: list[str]
    message: email.message.Message


class RecordingSMTPHandler:
    """An aiosmtpd handler that records every message it accepts.

    With ``stall_next`` set, the next message is held after its data arrived,
    before any reply (the sender sits waiting, mid-send), until ``release`` is
    set; it is then refused with a 451 and never recorded.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._accepted: list[Accepted] = []
        self.stall_next = False
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.host = "127.0.0.1"
        self.port = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802 - aiosmtpd's hook
        with self._lock:
            stall, self.stall_next = self.stall_next, False
        if stall:
            self.stalled.set()
            loop = asyncio.get_running_loop()
            give_up = loop.time() + 60
            while not self.release.is_set() and loop.time() < give_up:
                await asyncio.sleep(0.05)
            return "451 4.3.0 Held on purpose and not accepted"
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        with self._lock:
            self._accepted.append(Accepted(rcpt_tos=list(envelope.rcpt_tos), message=message))
        return "250 2.0.0 Accepted"

    @property
    def accepted(self) -> list[Accepted]:
        with self._lock:
            return list(self._accepted)

    def to(self, address: str) -> list[Accepted]:
        return [item for item in self.accepted if address in item.rcpt_tos]


@pytest.fixture
def smtp_server(settings) -> Iterator[RecordingSMTPHandler]:
    """A real SMTP server on a free local port; Django's SMTP backend points at it."""
    from aiosmtpd.controller import Controller

    handler = RecordingSMTPHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
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


@dataclass
class WorkerProcess:
    process: subprocess.Popen
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL the worker's whole process group: no shutdown, no acknowledgement."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def _database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    user = quote(db.get("USER") or "postgres")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def _celery_command() -> list[str]:
    celery = Path(sys.executable).parent / "celery"
    return [str(celery)] if celery.exists() else [sys.executable, "-m", "celery"]


@pytest.fixture
def worker_process(real_broker: Broker, smtp_server: RecordingSMTPHandler, tmp_path: Path
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
        for variable in ("CELERY_TASK_ALWAYS_EAGER", "CELERY_BROKER_READ_URL", "CELERY_BROKER_WRITE_URL"):
            env.pop(variable, None)
        log = tmp_path / f"worker-{len(started) + 1}.log"
        name = f"flagpost-test-{uuid.uuid4().hex[:8]}@%h"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [*_celery_command(), "-A", "config", "worker", "--pool=solo", "--concurrency=1", "-l", "info",
                 "-n", name, "--without-gossip", "--without-mingle", "--without-heartbeat"],
                cwd=BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
            )
        worker = WorkerProcess(process=process, log=log)
        started.append(worker)
        ready = wait_until(lambda: process.poll() is not None or " ready." in worker.log_tail(200),
                           timeout=60, interval=0.2)
        if not ready or process.poll() is not None:
            worker.kill()
            pytest.fail(f"the worker process did not start:\n{worker.log_tail()}")
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.kill()
