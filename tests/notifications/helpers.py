"""Real Celery workers, a real SMTP server and the polling that waits for them."""

from __future__ import annotations

import asyncio
import email
import email.message
import gc
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def wait_until(
    predicate: Callable[[], object], *, timeout: float = 30.0, interval: float = 0.1
) -> bool:
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


def broker_for_this_worker(url: str) -> str:
    """The Redis broker of this pytest-xdist worker: database N + k for worker gwk.

    A real worker takes whatever task is on its queue, and a test that crashes
    a worker leaves tasks behind for the next one: two xdist workers sharing a
    Redis database would run (or steal) each other's tasks. Without xdist, or
    on the file broker (a folder per test), the URL is used as given.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not url.startswith("redis://") or not worker.startswith("gw"):
        return url
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0) + int(worker.removeprefix("gw"))
    return urlunsplit(parts._replace(path=f"/{database}"))


@dataclass
class Broker:
    url: str
    # Where the file broker keeps its folders (a worker process gets it as FLAGPOST_VAR_DIR).
    var_dir: Path


@contextmanager
def _worker_in_thread(app):
    from celery.contrib.testing.worker import start_worker

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker
    # The worker keeps its database connection between tasks, in its thread's own slot, which
    # only the garbage collector clears once the thread is gone: clear it now, so the test
    # database isn't left in use.
    gc.collect()


def _fresh_connections(app) -> None:
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


@dataclass
class Accepted:
    rcpt_tos: list[str]
    message: email.message.Message


class RecordingSMTPHandler:
    """An aiosmtpd handler that records every message it accepts.

    With ``stall_next`` set, the next message is held after its data arrived,
    before any reply (the sender sits waiting, mid-send), until ``release`` is
    set; it is then refused with a 451 and never recorded.

    ``hold(numbers)`` holds the messages of those arrival numbers (1 for the first)
    the same way, but accepts and records each once ``let_go(number)`` is called:
    the server has the message, the sender hasn't heard yet.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._accepted: list[Accepted] = []
        self.stall_next = False
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.host = "127.0.0.1"
        self.port = 0
        self._arrived = 0
        self._held: dict[int, tuple[threading.Event, threading.Event]] = {}
        # Arrival numbers to refuse at once with a 451, as a mail server short of room would.
        self.refuse: set[int] = set()
        # The client address and port of each message accepted: one per connection it came on.
        self._peers: list[object] = []

    def hold(self, numbers: list[int]) -> None:
        with self._lock:
            for number in numbers:
                self._held[number] = (threading.Event(), threading.Event())

    def held(self, number: int, *, timeout: float = 30.0) -> bool:
        """Wait until message ``number`` has arrived and is being held."""
        return self._held[number][0].wait(timeout=timeout)

    def let_go(self, number: int) -> None:
        self._held[number][1].set()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self._lock:
            stall, self.stall_next = self.stall_next, False
            self._arrived += 1
            hold = self._held.get(self._arrived)
            refused = self._arrived in self.refuse
        if refused:
            return "451 4.3.0 Refused on purpose"
        if hold is not None:
            arrived, let_go = hold
            arrived.set()
            loop = asyncio.get_running_loop()
            give_up = loop.time() + 60
            while not let_go.is_set() and not self.release.is_set() and loop.time() < give_up:
                await asyncio.sleep(0.05)
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
            self._peers.append(session.peer)
        return "250 2.0.0 Accepted"

    @property
    def connections(self) -> int:
        """How many SMTP connections the accepted messages came on."""
        with self._lock:
            return len(set(self._peers))

    @property
    def accepted(self) -> list[Accepted]:
        with self._lock:
            return list(self._accepted)

    def to(self, address: str) -> list[Accepted]:
        return [item for item in self.accepted if address in item.rcpt_tos]


@dataclass
class WorkerProcess:
    process: subprocess.Popen
    log: Path
    # Its database connections' application_name (PGAPPNAME), to find them in pg_stat_activity.
    application_name: str = ""

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
