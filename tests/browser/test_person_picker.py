"""The person picker in a real browser, on a phone-sized screen: type, arrow down, Enter, send.

The HTTP tests (tests/directory/test_person_picker.py) prove what the server
accepts; this one proves what only a browser runs: the combobox's keyboard
handling, what it tells a screen reader, and that the choice reaches the form.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from demo.services import DEMO_PASSWORD, demo_email, demo_seed
from directory.models import User
from incidents.models import Report
from tests.browser.picker import pick_person
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

FIELD = "The colleague who posted it"


def test_reporter_names_a_colleague_with_the_keyboard(
    transactional_db: None, live_server, page: Page
) -> None:
    demo_seed(with_reports=False)
    paul = User.objects.get(email=demo_email("paul.poster"))
    UserFactory(first_name="Paula", last_name="Postlethwaite", job_title="Porter")
    UserFactory(first_name="Pauline", last_name="Gone", is_active=False)
    page.set_viewport_size({"width": 360, "height": 740})

    page.goto("/accounts/login/")
    page.get_by_label("Work email").fill(demo_email("rita.reporter"))
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto("/reports/new/")

    page.get_by_label("Link to the post").fill("https://www.facebook.com/paul.p/posts/77")
    seen = timezone.localtime(timezone.now() - dt.timedelta(hours=1))
    page.get_by_label("When did you see it?").fill(seen.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("What does the post show?").fill("A ward photo with a patient's chart.")
    page.get_by_role("group", name="Who posted it?").get_by_label("A colleague I can name").check()

    box = page.get_by_role("combobox", name=FIELD)
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press_sequentially("pau", delay=30)
    listbox = page.get_by_role("listbox", name=FIELD)
    options = listbox.get_by_role("option")
    # Both active Pauls, by surname; not the one who has left.
    expect(options).to_have_count(2)
    expect(options.nth(0)).to_contain_text("Paul Poster")
    expect(options.nth(0)).to_contain_text("Healthcare Assistant")
    expect(options.nth(1)).to_contain_text("Paula Postlethwaite")
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("status").filter(has_text="2 people match")).to_have_count(1)
    # The list fits the phone's screen.
    shown = listbox.bounding_box()
    assert shown is not None and shown["x"] >= 0 and shown["x"] + shown["width"] <= 360

    # Down twice, up once: the first option is highlighted, and named to assistive technology.
    box.press("ArrowDown")
    box.press("ArrowDown")
    box.press("ArrowUp")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    expect(options.nth(1)).to_have_attribute("aria-selected", "false")
    active = box.get_attribute("aria-activedescendant")
    assert active == options.nth(0).get_attribute("id")
    # Escape closes the list without choosing; Down opens it again.
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press("ArrowDown")
    expect(listbox).to_be_visible()
    # Enter chooses; it doesn't send the form.
    box.press("Enter")
    expect(box).to_have_value("Paul Poster")
    expect(listbox).to_be_hidden()
    expect(page.get_by_text("Chosen: Paul Poster, Healthcare Assistant")).to_be_visible()
    expect(page.locator("input[type=hidden][name=poster]")).to_have_value(str(paul.pk))
    assert Report.objects.count() == 0

    # Typing over the choice forgets it until someone is chosen again.
    box.fill("zzz")
    expect(page.get_by_text("No one matches “zzz”")).to_be_visible()
    expect(page.locator("input[type=hidden][name=poster]")).to_have_value("")
    pick_person(page, FIELD, "poster", "Paul Poster")

    page.get_by_role(
        "group", name="Does it show a patient, or information about a patient?"
    ).get_by_label("Yes", exact=True).check()
    page.get_by_role("group", name="Do you think someone's welfare is at risk?").get_by_label(
        "No", exact=True
    ).check()
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report received")
    assert Report.objects.get().poster == paul
