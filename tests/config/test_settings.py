"""Production mode refuses to start without its secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _start(env_changes: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "ALLOWED_HOSTS"}
    }
    env.update(env_changes)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,  # the tests read the exit code
    )


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"DEBUG": "false"}, "SECRET_KEY"),
        ({"DEBUG": "false", "SECRET_KEY": "x" * 50}, "ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_to_start_without_settings(changes, complaint) -> None:
    result = _start(changes)
    assert result.returncode != 0
    assert complaint in result.stderr


def test_production_starts_with_its_settings() -> None:
    result = _start(
        {"DEBUG": "false", "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "flagpost.example.nhs.uk"}
    )
    assert result.returncode == 0, result.stderr


_PRINT_OPTIONS = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.DATABASES['default']['OPTIONS'].get('options', ''))"
)


def _database_options(url: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", _PRINT_OPTIONS],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_postgresql_runs_without_just_in_time_compilation_whatever_options_the_url_gives() -> None:
    base = "postgres://postgres@127.0.0.1:5432/flagpost"
    assert _database_options(base) == "-c jit=off"
    # Options on the URL are kept, and jit=off added to them.
    given = _database_options(f"{base}?options=-c%20statement_timeout%3D5000")
    assert given.split() == ["-c", "statement_timeout=5000", "-c", "jit=off"]
    # A URL that sets jit itself is left as it says.
    assert _database_options(f"{base}?options=-c%20jit%3Don") == "-c jit=on"
