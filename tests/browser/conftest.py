"""Chromium through Playwright for the browser tests.

Debian's Chromium is used rather than a Playwright-downloaded browser: the
machine (and CI) has no outside network, so ``playwright install`` cannot run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.helpers import require_service

CHROMIUM = Path("/usr/bin/chromium")

# There is no outside network: without the background-networking, component
# update and sync switches Chromium keeps dialling Google and floods the log
# with refused connections. QUIC and the GPU are off because neither exists in
# a headless container; --no-sandbox because the tests may run as root.
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

# Screenshots for people to look at; git-ignored.
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="package")
def _django_allows_sync_db_calls_under_playwright() -> Iterator[None]:
    """Let the test thread use the ORM while Playwright's event loop is alive.

    Playwright's sync API runs an asyncio loop in the calling thread (switching
    to it through greenlets), so from the moment Playwright starts Django sees a
    "running event loop" in the test thread and refuses ORM calls there with
    SynchronousOnlyOperation — including pytest-django's own flush of the
    database after each transactional test. Nothing here is actually async: the
    test code is plain blocking code, so the guard is a false alarm.

    Package scope to match the Playwright fixture: the loop lives exactly as
    long as Playwright does, and the variable is restored afterwards so the rest
    of the suite keeps Django's guard against real async misuse.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="package")
def playwright(_django_allows_sync_db_calls_under_playwright: None) -> Iterator[Playwright]:
    # Package scope, not session: the event loop Playwright leaves in this
    # thread would otherwise outlive the browser tests and trip Django's async
    # guard in every test collected after them.
    if not CHROMIUM.exists():
        require_service(
            "FLAGPOST_CHROMIUM", "Debian's Chromium is not installed (apt-get install chromium)"
        )
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    # One browser per package: starting Chromium is the slow part, and each
    # test still gets a fresh context (cookies, storage) from ``page``.
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def browser_context(browser: Browser, live_server) -> Iterator[BrowserContext]:
    # A fresh context per test so no sign-in leaks from one test to the next;
    # relative URLs in page.goto() resolve against the live server.
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1280, "height": 900},
        locale="en-GB",
        timezone_id="Europe/London",
    )
    # Fail fast on a broken page rather than after Playwright's 30 s default.
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(browser_context: BrowserContext) -> Iterator[Page]:
    page = browser_context.new_page()
    yield page
    page.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
