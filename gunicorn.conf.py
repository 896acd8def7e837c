"""gunicorn's settings for Flagpost (``gunicorn -c gunicorn.conf.py config.wsgi``), read from the environment.

Why these numbers:

* Workers: sync workers, ``2 × cores + 1`` by default (``GUNICORN_WORKERS``). Every request
  is a short burst of CPU (templates) around waits for PostgreSQL, so a few more workers than
  cores keep the cores busy while some wait on the database. Each worker holds one database
  connection, so workers × instances must stay under PostgreSQL's ``max_connections``
  (100 by default) with room for Celery.
* Threads: 1 (``GUNICORN_THREADS``). Flagpost's slow work (PDF summaries, committee packs,
  email) runs in Celery, not in a request, so threads would only add connections.
* Timeout: 60 s (``GUNICORN_TIMEOUT``). The slowest legitimate requests are an evidence upload
  (up to ``EVIDENCE_MAX_FILES`` files of ``EVIDENCE_MAX_FILE_BYTES``, sniffed and measured in
  the request) and the subject-access archive, built in the request; both are seconds, not a
  minute. A request still running after the timeout is a fault: the worker is killed and
  restarted rather than left to hold a connection. Behind a proxy that buffers uploads (nginx,
  a cloud load balancer), a slow client never holds a sync worker.
* ``max_requests``: each worker is replaced after about 1,000 requests, so a slow leak can't
  grow without bound; the jitter keeps them from restarting together.
* The access log gives each request's time in milliseconds (``%(M)s``) and goes to standard
  output with the application's log.
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = _int("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1)
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = max_requests // 10
# The heartbeat file on a memory file system: a container's overlay disk can stall it.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = os.environ.get(
    "GUNICORN_ACCESS_LOG_FORMAT", '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
)
errorlog = "-"
