"""A real Celery worker whose summary renders wait on a file the test controls.

Run as ``python -m tests.documents.drill_worker worker …`` (the arguments of
``celery worker``). Each render, once its PDF is built, writes
``rendering-<pid>`` (its database backend's pid inside) to
``$FLAGPOST_DRILL_DIR`` and waits until ``release`` is there: the moment at
which a drill kills the pool child or the database connection. Everything else
is the product's own code: the task, the claim, the storage, marking ready.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

import summaries.render  # noqa: E402 - after django.setup()
from config.celery import app  # noqa: E402

DRILL_DIR = Path(os.environ["FLAGPOST_DRILL_DIR"])
_render = summaries.render.summary_render


def _held_render(data: object) -> bytes:
    from django.db import connection

    pdf = _render(data)  # type: ignore[arg-type]
    backend = ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = str(cursor.fetchone()[0])
    (DRILL_DIR / f"rendering-{os.getpid()}").write_text(backend)
    while not (DRILL_DIR / "release").exists():
        time.sleep(0.05)
    return pdf


summaries.render.summary_render = _held_render  # type: ignore[assignment]

if __name__ == "__main__":
    app.worker_main(sys.argv[1:])
