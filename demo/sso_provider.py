"""The test OpenID Connect provider (``tests/oidc/provider``, node-oidc-provider) as a process.

Used by the tests and by ``manage.py sso_demo``. Installed by ``make oidc-provider``
(``npm ci``), which ``make test`` and ``.ci/run`` run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

PROVIDER_DIR = Path(settings.BASE_DIR) / "tests" / "oidc" / "provider"
CLIENT_SECRET = "flagpost-test-secret"


def provider_missing() -> str | None:
    """Why the provider can't start here, or ``None``."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        return "the test OpenID Connect provider is not installed (make oidc-provider)"
    return None


@contextmanager
def provider_running(port: int = 0) -> Iterator[str]:
    """Start the provider on 127.0.0.1 (a free port for 0) and give its issuer; stop it after."""
    process = subprocess.Popen(
        ["node", str(PROVIDER_DIR / "provider.mjs"), str(port)],
        cwd=PROVIDER_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the test OpenID Connect provider exited ({process.wait()})")
        yield str(json.loads(line)["issuer"])
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
