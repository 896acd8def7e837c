"""Screenshots of Flagpost's key pages, desktop and phone, for the README.

Run it from the project root with

    .venv/bin/python scripts/screenshots.py

It makes a fresh SQLite database in a temporary folder, migrates it and loads
the demo organisation (``seed_demo``, as ``make run`` does), serves the app
with ``manage.py runserver`` on a free local port, signs in through the
sign-in page as each role and saves the top of each page (the viewport, not
the whole page, so each file stays small) at 1280 px and 390 px wide to
``docs/screenshots/<page>-desktop.png`` and ``<page>-phone.png``. Chromium is
Debian's (``/usr/bin/chromium``), as in the browser tests. The temporary
folder and the server are removed at the end.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
# As in tests/browser/conftest.py: no outside network, no GPU, possibly root.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}


@dataclass(frozen=True)
class Shot:
    name: str
    role: str  # a demo login
    path: str


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_serving(url: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(120):
        if server.poll() is not None:
            raise SystemExit(f"The server stopped (exit code {server.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    raise SystemExit(f"The server never answered at {url}")


def _seed(var_dir: Path) -> list[Shot]:
    """Migrate and seed the temporary database; return the pages to take, as which role."""
    os.environ["FLAGPOST_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Count
    from django.urls import reverse

    from casework.models import Case, CaseState

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    # The case several staff reported: reports, deadlines, a timeline and related cases.
    case = (
        Case.objects.filter(reference__startswith="SMP-", state=CaseState.NEW, merged_into=None)
        .annotate(reports_count=Count("reports"))
        .filter(reports_count__gte=2)
        .get()
    )
    return [
        Shot("home-reporter", "rita.reporter", reverse("home")),
        Shot("home-triage-officer", "tara.triage", reverse("home")),
        Shot("report-form", "rita.reporter", reverse("incidents:report_create")),
        Shot("cases-list", "hannah.hrlead", reverse("casework:case_list")),
        Shot("triage-queue", "tara.triage", reverse("casework:triage_queue")),
        Shot("case-page", "hannah.hrlead", reverse("casework:case_detail", args=[case.reference])),
        Shot("governance-dashboard", "gordon.governance", reverse("governance:dashboard")),
        Shot("audit-trail", "iris.ig", reverse("audit:log")),
    ]


def _take(base_url: str, shots: list[Shot], out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from demo.services import DEMO_PASSWORD, demo_email

    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for role in dict.fromkeys(shot.role for shot in shots):
                context = browser.new_context(
                    base_url=base_url, locale="en-GB", timezone_id="Europe/London"
                )
                page = context.new_page()
                page.goto("/accounts/login/")
                page.get_by_label("Work email").fill(demo_email(role))
                page.get_by_label("Password").fill(DEMO_PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                page.get_by_role("button", name="Sign out").wait_for()
                for shot in (shot for shot in shots if shot.role == role):
                    for size, (width, height) in SIZES.items():
                        page.set_viewport_size({"width": width, "height": height})
                        page.goto(shot.path)
                        target = out / f"{shot.name}-{size}.png"
                        page.screenshot(path=target, animations="disabled", caret="hide")
                        saved.append(target)
                context.close()
        finally:
            browser.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to save (default {OUT})")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    var_dir = Path(tempfile.mkdtemp(prefix="flagpost-screenshots-"))
    # The embedded default in var_dir (SQLite, file broker, file cache), whatever the shell says.
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"):
        os.environ.pop(name, None)
    server: subprocess.Popen[bytes] | None = None
    try:
        shots = _seed(var_dir)
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base_url = f"http://127.0.0.1:{port}"
        _wait_until_serving(f"{base_url}/accounts/login/", server)
        for path in _take(base_url, shots, args.out):
            print(f"{path}  {path.stat().st_size // 1024} KB")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
