"""One case from report to outcome in a real browser, every role in turn.

Each person signs in through the real sign-in page, finds the case the way
they would (the triage queue's search, the "Cases" list), takes their step
through the buttons the case page offers, and signs out. Along the way the
success message and the state shown on the case page are checked after every
step; at the end the HR lead sees every step in the timeline and the reporter
learns only that her report is closed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from casework.actions import ACTIONS
from casework.models import Case, CaseState, Outcome
from demo.services import DEMO_PASSWORD, demo_email, demo_seed
from tests.browser.picker import pick_person

pytestmark = pytest.mark.browser

PRINCIPLE = "Use of photos"
# The assignment is recorded as a transition that leaves the state as it was,
# so today its heading is a bare "State changed"; the dedicated event label
# (EventKind.ASSIGNMENT) is accepted too, should the service start using it.
ASSIGNED = re.compile(r"^(State changed|Investigator and decision maker assigned)$")
RATIONALE = (
    "A patient was identifiable in a photo posted publicly; the employee accepted it at interview."
)


def sign_in(page: Page, key: str) -> None:
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Flagpost")
    page.get_by_label("Work email").fill(demo_email(key))
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Flagpost")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def nav(page: Page, label: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True).click()


def open_case_from_list(page: Page, list_label: str, reference: str) -> None:
    """Open the case from a case list, found by its reference through the search box."""
    nav(page, list_label)
    expect(page.get_by_role("heading", level=1)).to_have_text(list_label)
    search = page.get_by_role("search", name="Filter cases")
    search.get_by_label("Reference").fill(reference)
    search.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(rf"[?&]q={reference}"))
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(2)  # the header and this case alone
    page.get_by_role("link", name=reference, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {reference}")


def expect_state(page: Page, label: str) -> None:
    expect(page.locator("main .state").first).to_have_text(label)


def act(page: Page, label: str, fill: Callable[[Page], None], *, state: str) -> None:
    """Take one action from the case page, then check the message and the state it leaves."""
    actions = page.get_by_role("region", name="What you can do now")
    actions.get_by_role("link", name=label, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(label)
    fill(page)
    page.get_by_role("button", name=label, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Case SMP-"))
    [done] = [action.done for action in ACTIONS.values() if action.label == label]
    expect(page.get_by_role("status")).to_have_text(done)
    expect_state(page, state)


def note(text: str) -> Callable[[Page], None]:
    return lambda page: page.get_by_label("Note").fill(text)


def test_a_case_goes_from_report_to_outcome_through_every_role(
    transactional_db: None, live_server, page: Page, artifacts: Path
) -> None:
    demo_seed(with_reports=False)

    # 1. The reporter files a report about a colleague she can name.
    sign_in(page, "rita.reporter")
    nav(page, "Report a post")
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a social media post")
    page.get_by_label("Link to the post").fill(
        "https://www.facebook.com/paul.poster.browser/posts/2002"
    )
    seen = timezone.localtime(timezone.now() - dt.timedelta(hours=2))
    page.get_by_label("When did you see it?").fill(seen.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("What does the post show?").fill(
        "A selfie on the ward with a patient's face behind."
    )
    page.get_by_role("group", name="Who posted it?").get_by_label("A colleague I can name").check()
    colleague = page.get_by_role("combobox", name="The colleague who posted it")
    expect(colleague).to_be_visible()  # revealed by the answer above
    pick_person(page, "The colleague who posted it", "paul pos", "Paul Poster")
    expect(
        page.get_by_text("Chosen: Paul Poster, Healthcare Assistant, Community Hospitals")
    ).to_be_visible()
    # The principles sit closed under plain-words headings: open them, then the one it falls under.
    page.get_by_text("What might it breach? (optional)").click()
    page.locator("summary", has_text="Patients, confidential information and photos").first.click()
    page.get_by_label(PRINCIPLE, exact=True).check()
    page.get_by_role(
        "group", name="Does it show a patient, or information about a patient?"
    ).get_by_label("Yes", exact=True).check()
    page.get_by_role("group", name="Do you think someone's welfare is at risk?").get_by_label(
        "No", exact=True
    ).check()
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report received")
    reference = page.get_by_test_id("reference").inner_text().strip()
    assert re.fullmatch(r"SMP-\d{4}-\d{5}", reference)
    sign_out(page)

    # 2. Triage: find it in the queue, start triage, confirm the details, route it.
    sign_in(page, "tara.triage")
    nav(page, "Triage queue")
    expect(page.get_by_role("link", name=reference, exact=True)).to_be_visible()
    page.screenshot(path=artifacts / "triage-queue.png", full_page=True)
    open_case_from_list(page, "Triage queue", reference)
    expect_state(page, "New")
    act(
        page,
        "Start triage",
        note("Photo with a patient visible; checking who posted it."),
        state="In triage",
    )

    def details(page: Page) -> None:
        # The reporter named Paul; triage confirms it.
        poster = page.get_by_role("combobox", name="The member of staff who posted")
        expect(poster).to_have_value("Paul Poster")
        expect(page.get_by_text("Chosen: Paul Poster, Healthcare Assistant")).to_be_visible()
        page.get_by_role("group", name=re.compile(r"^Principles at stake")).get_by_role(
            "checkbox", name=re.compile(rf"^{PRINCIPLE} \(")
        ).check()
        page.get_by_label("Triage summary").fill(
            "Paul Poster posted a ward selfie showing a patient's face."
        )

    act(page, "Update triage details", details, state="In triage")
    act(
        page,
        "Route to the line manager",
        note("Paul's line manager to review."),
        state="Line manager review",
    )
    sign_out(page)

    # 3. The poster's line manager asks HR for a formal investigation.
    # She has no case-work role: she arrives at My work, where the case waits for her review.
    sign_in(page, "lina.linemanager")
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
    page.get_by_role("link", name=reference, exact=True).click()
    expect_state(page, "Line manager review")
    expect(page.get_by_text("Paul Poster, Healthcare Assistant")).to_be_visible()
    act(
        page,
        "Ask HR for a formal investigation",
        note("A patient is identifiable: this needs HR."),
        state="Investigation",
    )
    sign_out(page)

    # 4. The HR lead assigns an investigator and a decision maker.
    sign_in(page, "hannah.hrlead")
    open_case_from_list(page, "Cases", reference)
    expect_state(page, "Investigation")

    def assign(page: Page) -> None:
        # Only HR investigators are offered: no line manager, no reporter.
        page.get_by_role("combobox", name="Investigator").fill("lina")
        expect(page.get_by_text("No one matches “lina”")).to_be_visible()
        pick_person(page, "Investigator", "ian", "Ian Investigator")
        pick_person(page, "Decision maker", "dev", "Dev Decision")
        page.get_by_label("Note").fill("Neither is in Paul's line of management.")

    act(page, "Assign investigator and decision maker", assign, state="Investigation")
    expect(page.get_by_role("definition").filter(has_text="Ian Investigator")).to_be_visible()
    expect(page.get_by_role("definition").filter(has_text="Dev Decision")).to_be_visible()
    sign_out(page)

    # 5. The investigator works from the investigation workspace and submits findings.
    sign_in(page, "ian.investigator")
    open_case_from_list(page, "Cases", reference)
    expect_state(page, "Investigation")
    page.get_by_role("link", name="Open the investigation workspace").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Investigation workspace")
    expect(page.get_by_role("cell", name=re.compile(rf"^{PRINCIPLE}"))).to_be_visible()
    page.get_by_role("link", name=f"Case {reference}", exact=True).click()  # the back link

    def findings(page: Page) -> None:
        page.get_by_label("Terms of reference").fill(
            "Whether the post breached the Social Media Policy."
        )
        page.get_by_label("Summary of the evidence").fill(
            "The post and the reporter's account; Paul admitted it."
        )
        page.get_by_role("group", name=f"Finding: {PRINCIPLE}").get_by_label(
            "Upheld", exact=True
        ).check()
        page.get_by_label("Recommendation").fill(
            "A first written warning and a refresher on the policy."
        )
        page.get_by_label("Note").fill("Interviewed Paul on the ward.")

    act(page, "Submit findings", findings, state="Awaiting decision")
    sign_out(page)

    # 6. The decision maker records the outcome.
    sign_in(page, "dev.decision")
    open_case_from_list(page, "Cases", reference)
    expect_state(page, "Awaiting decision")

    def outcome(page: Page) -> None:
        page.get_by_role("group", name="Outcome").get_by_label("First written warning").check()
        page.get_by_label("Rationale").fill(RATIONALE)
        deadline = timezone.localdate() + dt.timedelta(days=14)
        expect(page.get_by_label("Appeal deadline")).to_have_value(
            deadline.isoformat()
        )  # pre-filled, kept
        page.get_by_label("Note").fill("Outcome letter sent.")

    act(page, "Record the outcome", outcome, state="Closed")
    sign_out(page)

    case = Case.objects.get(reference=reference)
    assert case.state == CaseState.CLOSED
    assert case.outcome == Outcome.FIRST_WRITTEN_WARNING
    assert case.appeal_deadline == timezone.localdate() + dt.timedelta(days=14)

    # 7. The reporter learns only that it is closed.
    sign_in(page, "rita.reporter")
    nav(page, "My reports")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=reference, exact=True))
    expect(row.get_by_role("cell").last).to_have_text("Closed", use_inner_text=True)
    row.get_by_role("link", name=reference, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Report {reference}")
    expect(page.get_by_text(re.compile(r"^Status:"))).to_have_text("Status: Closed")
    main = page.get_by_role("main")
    for secret in ("warning", RATIONALE, "Ian Investigator", "Dev Decision", "Upheld"):
        expect(main).not_to_contain_text(secret)
    sign_out(page)

    # The HR lead sees the whole story in the timeline, oldest first.
    sign_in(page, "hannah.hrlead")
    open_case_from_list(page, "Cases", reference)
    expect_state(page, "Closed")
    expect(page.get_by_role("definition").filter(has_text="First written warning")).to_be_visible()
    expected = [
        ("Report received", "Rita Reporter", f"Report {reference} received."),
        ("State changed: New → In triage", "Tara Triage", "checking who posted it"),
        ("Triage details updated", "Tara Triage", f"principles: {PRINCIPLE}"),
        (
            "State changed: In triage → Line manager review",
            "Tara Triage",
            "Paul's line manager to review.",
        ),
        ("State changed: Line manager review → Investigation", "Lina Linemanager", "this needs HR"),
        (
            ASSIGNED,
            "Hannah Hrlead",
            "Investigator: Ian Investigator. Decision maker: Dev Decision.",
        ),
        (
            "State changed: Investigation → Awaiting decision",
            "Ian Investigator",
            f"Findings — {PRINCIPLE}: upheld.",
        ),
        (
            "State changed: Awaiting decision → Closed",
            "Dev Decision",
            "First written warning. Outcome letter sent.",
        ),
    ]
    timeline = page.locator("ol.timeline > li")
    expect(timeline).to_have_count(len(expected))
    for item, (head, actor, text) in zip(timeline.all(), expected, strict=True):
        expect(item.locator(".timeline-head")).to_have_text(head)
        expect(item.locator(".meta")).to_contain_text(actor)
        expect(item).to_contain_text(text)
    page.screenshot(path=artifacts / "case-closed.png", full_page=True)
