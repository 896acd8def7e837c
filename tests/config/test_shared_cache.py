"""Every process shares one cache: a change made in one is seen by the next read of the figures in another."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.core.cache import cache

from governance.figures import Filters, Period
from governance.selectors import governance_figures
from tests.helpers import require_service

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/13"


def _python(code: str, tmp_path: Path, **env: str) -> str:
    inherited = {key: value for key, value in os.environ.items() if key != "CACHE_URL"}
    environment = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "FLAGPOST_VAR_DIR": str(tmp_path),
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_cache_comes_from_cache_url(tmp_path):
    backend = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    assert (
        _python(backend, tmp_path, CACHE_URL=REDIS_URL)
        == "django.core.cache.backends.redis.RedisCache"
    )
    assert _python(backend, tmp_path) == "django.core.cache.backends.locmem.LocMemCache"


@pytest.mark.django_db
def test_a_change_in_another_process_reaches_the_next_read_of_the_figures(settings, tmp_path):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        require_service("CACHE_URL", "the shared-cache test needs Redis on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    cache.clear()
    filters = Filters(start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31), period=Period.MONTH)
    first = governance_figures(filters)
    assert (
        governance_figures(filters).generated_at == first.generated_at
    )  # this process reads its cache

    # A worker (another process) changes a case: its save moves the figures' cache version on.
    _python(
        "from governance.selectors import governance_cache_bump; governance_cache_bump()",
        tmp_path,
        CACHE_URL=REDIS_URL,
    )

    assert governance_figures(filters).generated_at > first.generated_at
    cache.clear()
