"""A real worker process for the document drills: prefork, so its pool child can be killed alone."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

from tests.notifications.helpers import BASE_DIR, WorkerProcess, _database_url, wait_until

READY_LINE = re.compile(
    r"(?:summary_render_task|committee_pack_task)\[[0-9a-f-]+\] succeeded in [0-9.]+s: 'ready'"
)


@dataclass
class Drill:
    """The folder a drill worker's renders report to and wait on."""

    folder: Path

    def release(self) -> None:
        (self.folder / "release").write_text("")

    def rendering(self) -> list[Path]:
        return sorted(self.folder.glob("rendering-*"))


def drill_worker(
    *, broker: str, drill: Drill, summary_root: Path, log: Path, **environment: str
) -> WorkerProcess:
    """``celery worker`` with one prefork child, on this test's database, broker and storage."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        "FLAGPOST_VAR_DIR": str(log.parent / "var"),
        "SUMMARY_ROOT": str(summary_root),
        "FLAGPOST_DRILL_DIR": str(drill.folder),
        "DEBUG": "true",
        "PYTHONUNBUFFERED": "1",
        **environment,
    }
    for variable in (
        "CELERY_TASK_ALWAYS_EAGER",
        "CELERY_BROKER_READ_URL",
        "CELERY_BROKER_WRITE_URL",
    ):
        env.pop(variable, None)
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.documents.drill_worker",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "-l",
                "info",
                "-n",
                f"flagpost-drill-{uuid.uuid4().hex[:8]}@%h",
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
    worker = WorkerProcess(process=process, log=log)
    started = wait_until(
        lambda: process.poll() is not None or " ready." in worker.log_tail(200),
        timeout=60,
        interval=0.2,
    )
    if not started or process.poll() is not None:
        worker.kill()
        raise RuntimeError(f"the drill worker did not start:\n{worker.log_tail()}")
    return worker


def ready_transitions(worker: WorkerProcess) -> int:
    """How many times a render task of this worker answered "ready"."""
    try:
        return len(READY_LINE.findall(worker.log.read_text(errors="replace")))
    except OSError:
        return 0
