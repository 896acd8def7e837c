"""Production settings pass Django's deployment checks, and behave as they claim.

Production is started for real, in another process, with the environment an
operator would give it (DEBUG off, a random key, a host name), so nothing here
depends on the test settings.
"""

from __future__ import annotations

import subprocess
import sys

from tests.security.helpers import PRODUCTION_HOST, ROOT, _run, production_env, production_probe


def test_check_deploy_passes_with_production_settings() -> None:
    result = _run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_check_deploy_fails_when_a_protection_is_switched_off() -> None:
    # Proves the check above can fail: the same start with HSTS turned off is caught.
    env = {**production_env(), "SECURE_HSTS_SECONDS": "0"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr


def test_check_deploy_warns_when_each_process_would_cache_on_its_own() -> None:
    env = {key: value for key, value in production_env().items() if key != "CACHE_URL"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode != 0
    assert "governance.W001" in result.stderr


def test_production_pages_are_served_over_https_only() -> None:
    probe = production_probe()
    assert probe["http_page"]["status"] == 301
    assert probe["http_page"]["headers"]["Location"] == f"https://{PRODUCTION_HOST}/accounts/login/"
    assert probe["https_page"]["status"] == 200


def test_production_cookies_are_secure_and_hidden_from_scripts() -> None:
    probe = production_probe()
    csrf_cookie = probe["https_page"]["cookies"]["csrftoken"]
    assert csrf_cookie == {"secure": True, "httponly": True, "samesite": "Lax"}
    production = probe["settings"]
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True
    assert production["DEBUG"] is False
