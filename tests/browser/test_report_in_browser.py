"""A member of staff reports a post in a real browser, start to finish.

The view tests post form data directly; this one proves the pieces only a
browser exercises: the sign-in page, the labels a person (or a screen reader)
finds fields by, a real multipart upload, and the receipt that comes back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from demo.services import DEMO_PASSWORD, demo_email, demo_seed
from incidents.models import EvidenceFile, Report
from tests.samples import png_bytes

pytestmark = pytest.mark.browser


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # The header shows who is signed in only once the session exists.
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_reporter_sends_a_report_with_a_screenshot_and_gets_a_receipt(
    transactional_db: None, live_server, page: Page, artifacts: Path
) -> None:
    demo_seed(with_reports=False)
    screenshot = png_bytes()

    sign_in(page, demo_email("rita.reporter"), DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Report a post").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a social media post")

    # Sent empty first: the errors page must name every missing answer and
    # nothing may be stored.
    page.get_by_role("button", name="Send report").click()
    expect(page).to_have_title(re.compile(r"^Error: Report a post"))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(
        summary.get_by_role("link", name=re.compile(r"^Add the link to the post"))
    ).to_be_visible()
    expect(
        summary.get_by_role("link", name=re.compile(r"^Enter the date and time you saw"))
    ).to_be_visible()
    page.screenshot(path=artifacts / "report-form-errors.png", full_page=True)
    assert Report.objects.count() == 0

    # A fresh form rather than correcting the errored one, so the screenshot
    # below shows the form as a first-time reporter fills it in.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Report a post").click()
    page.get_by_label("Link to the post").fill(
        "https://www.facebook.com/some.one/posts/123?fbclid=abc"
    )
    # datetime-local takes its value in the wire format, whatever the locale
    # shows; the server reads it as local (Europe/London) time.
    seen = timezone.localtime(timezone.now() - dt.timedelta(hours=3))
    page.get_by_label("When did you see it?").fill(seen.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("What does the post show?").fill(
        "A photo from the ward with a patient's face visible."
    )
    page.get_by_role("group", name="Who posted it?").get_by_label(
        "I don't know who posted it"
    ).check()
    page.get_by_role(
        "group", name="Does it show a patient, or information about a patient?"
    ).get_by_label("Yes", exact=True).check()
    page.get_by_role("group", name="Do you think someone's welfare is at risk?").get_by_label(
        "No", exact=True
    ).check()
    page.get_by_label("Screenshots").set_input_files(
        files=[{"name": "ward-post.png", "mimeType": "image/png", "buffer": screenshot}]
    )
    page.screenshot(path=artifacts / "report-form.png", full_page=True)
    page.get_by_role("button", name="Send report").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Report received")
    reference = page.get_by_test_id("reference")
    expect(reference).to_have_text(re.compile(r"^\s*SMP-\d{4}-\d{5}\s*$"))
    # The picture is saved afresh on receipt (its hidden details dropped): the receipt shows the hash of that copy.
    kept = EvidenceFile.objects.get()
    with kept.file.open("rb") as stored:
        expect(page.get_by_test_id("sha256")).to_have_text(
            hashlib.sha256(stored.read()).hexdigest()
        )
    page.screenshot(path=artifacts / "receipt.png", full_page=True)

    report = Report.objects.get()
    assert reference.inner_text().strip() == report.reference
