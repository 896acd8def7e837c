"""Production started for real, in another process, for the tests that check how it behaves."""

from __future__ import annotations

import atexit
import functools
import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_HOST = "flagpost.example.nhs.uk"

# Requests made inside the production process with Django's test client (which needs no
# server); none of them touches the database, which is left unmigrated.
_PROBE = r"""
import json
import os
import django
django.setup()
from django.conf import settings
from django.test import Client

def seen(response):
    cookies = {name: {"secure": bool(m["secure"]), "httponly": bool(m["httponly"]),
                      "samesite": m["samesite"]} for name, m in response.cookies.items()}
    return {"status": response.status_code, "headers": dict(response.headers), "cookies": cookies,
            "body": response.content.decode(errors="replace")}

def seen_file(response):
    # A static file streams: its headers are what matter here.
    response.close()
    return {"status": response.status_code, "headers": dict(response.headers)}

client = Client()
host = {"HTTP_HOST": os.environ["ALLOWED_HOSTS"]}
print(json.dumps({
    "https_page": seen(client.get("/accounts/login/", secure=True, **host)),
    "static_file": seen_file(client.get("/static/css/flagpost.css", secure=True, **host)),
    # Refused before any other middleware has run: the https redirect asks for the host first.
    "spoofed_host_http": seen(client.get("/accounts/login/", secure=False, HTTP_HOST="evil.example")),
    "http_page": seen(client.get("/accounts/login/", secure=False, **host)),
    "spoofed_host": seen(client.get("/accounts/login/", secure=True, HTTP_HOST="evil.example")),
    "spoofed_forwarded_host": seen(client.get("/accounts/login/", secure=True, HTTP_X_FORWARDED_HOST="evil.example", **host)),
    "settings": {name: getattr(settings, name) for name in (
        "DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "USE_X_FORWARDED_HOST",
        "ALLOWED_HOSTS")},
}))
"""

_workdir = tempfile.TemporaryDirectory(prefix="flagpost-production-")
atexit.register(_workdir.cleanup)


def production_env() -> dict[str, str]:
    """The environment of a production start, with its files kept out of the working tree."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECURE_", "SESSION_", "CSRF_"))
        and key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "FLAGPOST_VAR_DIR"}
    }
    var_dir = Path(_workdir.name)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": PRODUCTION_HOST,
            "SITE_URL": f"https://{PRODUCTION_HOST}",
            "FLAGPOST_VAR_DIR": str(var_dir),
            "DATABASE_URL": f"sqlite:///{var_dir / 'flagpost.sqlite3'}",
            # A cache all the processes share, without a server to run.
            "CACHE_URL": f"filecache://{var_dir / 'cache'}",
        }
    )
    return env


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@functools.cache
def production_probe() -> dict[str, Any]:
    """What production answers to a few requests, made once per test run."""
    # As a release does: manifest-named static files, which the pages link to.
    collected = _run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"])
    assert collected.returncode == 0, collected.stderr
    result = _run([sys.executable, "-c", _PROBE])
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
