"""The report form on a phone: with its optional parts closed, Send is within three screens."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from demo.services import DEMO_PASSWORD, demo_email, demo_seed
from tests.browser.test_report_in_browser import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SCREENS = 3


def test_the_send_button_is_within_three_phone_screens(
    transactional_db: None, live_server, page: Page, artifacts: Path
) -> None:
    demo_seed(with_reports=False)
    page.set_viewport_size(PHONE)
    sign_in(page, demo_email("rita.reporter"), DEMO_PASSWORD)
    page.goto("/reports/new/")
    send = page.get_by_role("button", name="Send report")
    bottom = page.evaluate(
        "(el) => el.getBoundingClientRect().bottom + window.scrollY", send.element_handle()
    )
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"report form at 390 px: page {height} px, Send ends at {bottom:.0f} px")
    page.screenshot(path=artifacts / "report-form-phone.png", full_page=True)
    assert bottom <= SCREENS * PHONE["height"], (
        f"Send ends {bottom:.0f} px down the page, more than {SCREENS} screens of {PHONE['height']} px"
    )
    # The principles are there to be opened, not spread out: every group starts closed.
    assert page.locator("details[open]").count() == 0
