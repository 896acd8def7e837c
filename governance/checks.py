"""``manage.py check --deploy`` warns when the processes would not share one cache."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

_PER_PROCESS = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register(Tags.caches, deploy=True)
def shared_cache_check(app_configs: object = None, **kwargs: object) -> list[Warning]:
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend in _PER_PROCESS:
        return [
            Warning(
                "The cache is each process's own memory, so a change made in one web or worker process "
                "is not seen by the cached governance figures of the others.",
                hint="Set CACHE_URL to a cache every process shares, e.g. redis://host:6379/1.",
                id="governance.W001",
            )
        ]
    return []
