"""The Celery application shared by the web process, the worker and beat."""

from __future__ import annotations

import os

from celery import Celery, Task
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Every task gets delay_on_commit() (from DjangoTask) and a bound on how often
# one message may be redelivered (config.tasks.BoundedDeliveryTask).
app = Celery("flagpost", task_cls="config.tasks:BoundedDeliveryTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _ensure_filesystem_broker_folders(sender: Celery, **kwargs: object) -> None:
    # kombu's file transport expects its folders to exist already.
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            os.makedirs(options[key], exist_ok=True)


@task_prerun.connect
@task_postrun.connect
def _close_old_database_connections(sender: Task | None = None, **kwargs: object) -> None:
    # The worker keeps its connections between tasks (CELERY_DB_REUSE_MAX); like Django at each
    # request, drop one that is past CONN_MAX_AGE or broke, so the next task connects afresh.
    # Not for a task run eagerly, inside its caller's transaction.
    if sender is not None and getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
