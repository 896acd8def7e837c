"""Who may see and do what, as a matrix of people × case pages and actions × states.

The expected answers are written out here from the access rules, not read
from ``casework.access``, so the matrix catches the module drifting from them:

- 404 for anyone who may not see the case (and the page shows nothing of it);
- 403 for someone who sees it but whose role doesn't allow the action;
- 409 when the role allows the action but the case's state doesn't;
- 200 otherwise.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from casework.models import Case, CaseEvent, CaseState, EventKind
from directory.models import Role, User, role_group
from incidents.models import EvidenceFile
from tests.factories import DESCRIPTION, PNG, CaseFactory, UserFactory, case_in_state, report_make
from tests.helpers import action_form_data, snapshot

pytestmark = pytest.mark.django_db

NEW, TRIAGE, MANAGER_REVIEW = CaseState.NEW, CaseState.TRIAGE, CaseState.MANAGER_REVIEW
INVESTIGATION, DECISION, CLOSED = CaseState.INVESTIGATION, CaseState.DECISION, CaseState.CLOSED
STATES = [NEW, TRIAGE, MANAGER_REVIEW, INVESTIGATION, DECISION, CLOSED]
EVERY_STATE = frozenset(STATES)
ROUTED = frozenset({MANAGER_REVIEW, INVESTIGATION, DECISION, CLOSED})
ASSIGNED = frozenset({INVESTIGATION, DECISION, CLOSED})

WITHHELD = "Withheld (confidential reporter)"

PERSONAS = [
    "reporter",  # made the (confidential) report
    "reporters_manager",  # the reporter's own line manager
    "poster",  # the subject, who also holds the HR-lead and triage-officer roles
    "line_manager",  # the poster's line manager
    "triage_officer",  # triaged this case
    "other_triage_officer",
    "investigator",  # assigned to this case from investigation on
    "other_investigator",
    "hr_lead",
    "decision_maker",  # an HR lead, assigned from investigation on
    "safeguarding_lead",  # the case carries the safeguarding flag
    "ig_lead",
    "communications_lead",
    "governance_member",
    "outsider",
]

# Who sees the case in each state (the matrix case carries only the safeguarding flag).
SEES: dict[str, frozenset[str]] = {
    "reporter": frozenset(),  # follows their report, never the case
    "reporters_manager": frozenset(),
    "poster": frozenset(),  # whatever roles they hold
    "line_manager": ROUTED,
    "triage_officer": EVERY_STATE,  # new and triage by role, then as the one who triaged it
    "other_triage_officer": frozenset({NEW, TRIAGE}),
    "investigator": ASSIGNED,
    "other_investigator": frozenset(),
    "hr_lead": EVERY_STATE,
    "decision_maker": EVERY_STATE,  # an HR lead; as decision maker from decision on anyway
    "safeguarding_lead": EVERY_STATE,
    "ig_lead": frozenset(),
    "communications_lead": frozenset(),
    "governance_member": frozenset(),
    "outsider": frozenset(),
}

TRIAGE_OFFICERS = {"triage_officer", "other_triage_officer"}
HR_LEADS = {"hr_lead", "decision_maker"}

# Which state each action needs.
ADMITS: dict[str, frozenset[str]] = {
    "start_triage": frozenset({NEW}),
    "update_details": frozenset({NEW, TRIAGE}),
    "route_to_manager": frozenset({TRIAGE}),
    "dismiss": frozenset({TRIAGE}),
    "escalate": frozenset({TRIAGE}),
    "resolve_informally": frozenset({MANAGER_REVIEW}),
    "request_investigation": frozenset({MANAGER_REVIEW}),
    "assign": frozenset({INVESTIGATION}),
    "submit_findings": frozenset({INVESTIGATION}),
    "record_outcome": frozenset({DECISION}),
    "reopen": frozenset({CLOSED}),
    "set_flag": EVERY_STATE,
    "link_handle": EVERY_STATE,
    "add_note": EVERY_STATE,
}
ACTIONS = list(ADMITS)


def role_allows(persona: str, action: str, state: str) -> bool:
    """Whether the persona's part in the case allows the action (the state aside)."""
    if action in ("start_triage", "dismiss", "route_to_manager"):
        return persona in TRIAGE_OFFICERS
    if action in ("update_details", "set_flag", "link_handle"):
        return persona in TRIAGE_OFFICERS | HR_LEADS
    if action in ("escalate", "assign", "reopen"):
        return persona in HR_LEADS
    if action in ("resolve_informally", "request_investigation"):
        return persona == "line_manager" and state in ROUTED
    if action == "submit_findings":
        return persona == "investigator" and state in ASSIGNED
    if action == "record_outcome":
        return persona == "decision_maker" and state in ASSIGNED
    if action == "add_note":
        return state in SEES[persona]
    raise AssertionError(action)


def expected_status(persona: str, target: str, state: str) -> int:
    sees = state in SEES[persona]
    if target == "detail":
        return 200 if sees else 404
    if target == "investigation":
        if not sees:
            return 404
        # Before there is an investigation the workspace sends you back to the case page.
        return 200 if state in ASSIGNED else 302
    if target == "queue":
        return 200 if persona in TRIAGE_OFFICERS | HR_LEADS | {"poster"} else 404
    if target == "list":
        return 200  # everyone has a case list; what is on it is checked below
    if target == "download":
        return 200 if sees or persona == "reporter" else 404
    if target == "report":
        return 200 if persona == "reporter" else 404
    if target == "withdraw":
        if persona != "reporter":
            return 404
        return 200 if state == NEW else 302  # told it can no longer be withdrawn
    action = target.removeprefix("act:")
    if not sees:
        return 404
    if not role_allows(persona, action, state):
        return 403
    if state not in ADMITS[action]:
        return 409
    return 200


# What the reporter is told about their report's case.
REPORTER_STATUS = {
    NEW: "Received",
    TRIAGE: "Under review",
    MANAGER_REVIEW: "Under review",
    INVESTIGATION: "Under review",
    DECISION: "Under review",
    CLOSED: "Closed",
}


def may_know_reporter(persona: str, state: str) -> bool:
    return persona in HR_LEADS or (persona == "investigator" and state in ASSIGNED)


TARGETS = ["detail", "investigation", "queue", "list", "download", "report", "withdraw"] + [
    f"act:{a}" for a in ACTIONS
]


def _main(response) -> str:
    """The page's own content, without the header (which names whoever is signed in)."""
    html = response.content.decode()
    match = re.search(r"<main\b.*?</main>", html, re.DOTALL)
    return match.group(0) if match else html


@pytest.fixture
def people(
    reporter,
    manager,
    poster,
    poster_manager,
    triage_officer,
    other_triage_officer,
    investigator,
    other_investigator,
    hr_lead,
    decision_maker,
    safeguarding_lead,
    ig_lead,
    communications_lead,
    governance_member,
    outsider,
) -> dict[str, User]:
    # The poster works in HR and in the case team: neither role shows them their own case.
    for role in (Role.HR_LEAD, Role.TRIAGE_OFFICER):
        poster.groups.add(role_group(role))
    return {
        "reporter": reporter,
        "reporters_manager": manager,
        "poster": poster,
        "line_manager": poster_manager,
        "triage_officer": triage_officer,
        "other_triage_officer": other_triage_officer,
        "investigator": investigator,
        "other_investigator": other_investigator,
        "hr_lead": hr_lead,
        "decision_maker": decision_maker,
        "safeguarding_lead": safeguarding_lead,
        "ig_lead": ig_lead,
        "communications_lead": communications_lead,
        "governance_member": governance_member,
        "outsider": outsider,
    }


def _url(target: str, case: Case) -> str:
    report = case.reports.get()
    if target == "detail":
        return reverse("casework:case_detail", args=[case.reference])
    if target == "investigation":
        return reverse("casework:investigation", args=[case.reference])
    if target == "queue":
        return reverse("casework:triage_queue")
    if target == "list":
        return reverse("casework:case_list")
    if target == "download":
        return reverse(
            "incidents:evidence_download", args=[EvidenceFile.objects.get(report=report).pk]
        )
    if target == "report":
        return reverse("incidents:report_detail", args=[report.reference])
    if target == "withdraw":
        return reverse("incidents:report_withdraw", args=[report.reference])
    return reverse("casework:case_action", args=[case.reference, target.removeprefix("act:")])


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_access_matrix(login, cast, people, persona: str, state: str) -> None:
    """Every case page and action for one person in one state; all mismatches reported at once."""
    case = case_in_state(state, cast, flag_safeguarding=True)
    client = login(people[persona])
    wrong: list[str] = []

    for target in TARGETS:
        response = client.get(_url(target, case))
        expected = expected_status(persona, target, state)
        if response.status_code != expected:
            wrong.append(f"{target}: expected {expected}, got {response.status_code}")
            continue
        if response.streaming:
            if b"".join(response.streaming_content) != PNG:
                wrong.append(f"{target}: not the stored file")
            continue
        page = _main(response)
        if expected == 404:
            for secret in (DESCRIPTION, cast.poster.get_full_name(), case.reference):
                if secret in page:
                    wrong.append(f"{target}: the 404 page shows {secret!r}")
        if target in ("queue", "list") and expected == 200:
            listed = state in SEES[persona] and (target == "list" or state in (NEW, TRIAGE))
            if (case.reference in page) != listed:
                wrong.append(f"{target}: the case is {'missing' if listed else 'listed'}")
        if target == "report" and expected == 200:
            # In reporter terms: whether anyone is looking at it, never who or what they found.
            if REPORTER_STATUS[state] not in page:
                wrong.append(f"report: the status isn't {REPORTER_STATUS[state]!r}")
            internals = [
                case.get_state_display(),
                cast.line_manager.get_full_name(),
                cast.investigator.get_full_name(),
                cast.triage_officer.get_full_name(),
                case.triage_summary,
                case.outcome_rationale,
            ]
            for secret in internals:
                if secret and secret != REPORTER_STATUS[state] and secret in page:
                    wrong.append(f"report: the reporter is shown {secret!r}")
        if target in ("detail", "investigation") and expected == 200:
            # Nobody sees the name straight away: those who may know it get "Reveal" instead.
            knows = may_know_reporter(persona, state)
            offered = "Confidential reporter" in page and "Reveal</a>" in page
            if (
                cast.reporter.get_full_name() in page
                or offered != knows
                or (WITHHELD in page) == knows
            ):
                wrong.append(
                    f"{target}: the confidential reporter is {'withheld' if knows else 'offered'}"
                )

    assert not wrong, f"{persona} on a {state} case:\n" + "\n".join(wrong)


# --- A refused POST changes nothing --------------------------------------------


def _home_state(action: str) -> str:
    """A state the action applies in, so the state is never the reason for a refusal."""
    return next(state for state in STATES if state in ADMITS[action])


REFUSED_POSTS = [
    (persona, action, _home_state(action))
    for action in ACTIONS
    for persona in PERSONAS
    if expected_status(persona, f"act:{action}", _home_state(action)) != 200
] + [
    # Allowed by role, refused by the state.
    ("triage_officer", "start_triage", TRIAGE),
    ("triage_officer", "route_to_manager", NEW),
    ("hr_lead", "escalate", MANAGER_REVIEW),
    ("line_manager", "resolve_informally", INVESTIGATION),
    ("hr_lead", "assign", DECISION),
    ("investigator", "submit_findings", DECISION),
    ("decision_maker", "record_outcome", INVESTIGATION),
    ("hr_lead", "reopen", DECISION),
    ("triage_officer", "update_details", MANAGER_REVIEW),
]


@pytest.mark.parametrize(("persona", "action", "state"), REFUSED_POSTS)
def test_a_refused_post_changes_nothing(
    login, cast, people, persona: str, action: str, state: str
) -> None:
    case = case_in_state(state, cast, flag_safeguarding=True)
    before = snapshot(case)

    response = login(people[persona]).post(
        reverse("casework:case_action", args=[case.reference, action]),
        action_form_data(action, case, cast),
    )

    assert response.status_code == expected_status(persona, f"act:{action}", state)
    assert response.status_code in (403, 404, 409)
    assert snapshot(case) == before


@pytest.mark.parametrize("action", ACTIONS)
def test_the_same_post_by_someone_allowed_goes_through(login, cast, people, action: str) -> None:
    """The refusals above aren't bad form data: the same data from the right person works."""
    state = _home_state(action)
    persona = next(p for p in PERSONAS if expected_status(p, f"act:{action}", state) == 200)
    case = case_in_state(state, cast, flag_safeguarding=True)
    events = CaseEvent.objects.filter(case=case).count()

    response = login(people[persona]).post(
        reverse("casework:case_action", args=[case.reference, action]),
        action_form_data(action, case, cast),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Case.objects.get(pk=case.pk).revision == case.revision + 1
    assert CaseEvent.objects.filter(case=case).count() > events


# --- Rules the matrix can't show on its one case --------------------------------


@pytest.mark.parametrize(
    ("role", "flag_field"),
    [
        (Role.SAFEGUARDING_LEAD, "flag_safeguarding"),
        (Role.IG_LEAD, "flag_data_breach"),
        (Role.COMMUNICATIONS_LEAD, "flag_official_account"),
    ],
)
def test_a_specialist_lead_sees_only_cases_carrying_their_flag(
    login, cast, role, flag_field
) -> None:
    lead = UserFactory(roles=[role])
    theirs = case_in_state(MANAGER_REVIEW, cast, **{flag_field: True})
    others = [
        case_in_state(MANAGER_REVIEW, cast, **{field: True})
        for field in (
            "flag_safeguarding",
            "flag_data_breach",
            "flag_official_account",
            "flag_defamation",
        )
        if field != flag_field
    ]
    client = login(lead)
    assert client.get(reverse("casework:case_detail", args=[theirs.reference])).status_code == 200
    for other in others:
        assert (
            client.get(reverse("casework:case_detail", args=[other.reference])).status_code == 404
        )
    # A specialist lead isn't told who reported in confidence either.
    page = _main(client.get(reverse("casework:case_detail", args=[theirs.reference])))
    assert cast.reporter.get_full_name() not in page and WITHHELD in page


@pytest.mark.parametrize(
    ("state", "expected"), [(INVESTIGATION, 404), (DECISION, 200), (CLOSED, 200)]
)
def test_a_decision_maker_sees_the_case_from_decision_on(login, cast, state, expected) -> None:
    # One who is no longer an HR lead (so HR's view of every case doesn't hide the rule).
    former_lead = UserFactory(first_name="Fay", last_name="Former")
    case = case_in_state(state, cast, decision_maker=former_lead)
    response = login(former_lead).get(reverse("casework:case_detail", args=[case.reference]))
    assert response.status_code == expected


def test_a_poster_identified_at_triage_never_sees_the_case_whatever_their_roles(
    login, cast, poster
) -> None:
    # The reporter only knew a handle; triage identified the poster, who is in the case team and HR.
    for role in (Role.HR_LEAD, Role.TRIAGE_OFFICER, Role.SAFEGUARDING_LEAD):
        poster.groups.add(role_group(role))
    case = CaseFactory(
        state=TRIAGE, poster=poster, triaged_by=cast.triage_officer, flag_safeguarding=True
    )
    report_make(case=case, reporter=cast.reporter)
    client = login(poster)
    assert client.get(reverse("casework:case_detail", args=[case.reference])).status_code == 404
    assert (
        client.get(reverse("casework:case_action", args=[case.reference, "add_note"])).status_code
        == 404
    )
    assert case.reference not in _main(client.get(reverse("casework:triage_queue")))
    assert case.reference not in _main(client.get(reverse("casework:case_list")))


def test_the_matrix_case_carries_the_reporters_event_and_file(cast) -> None:
    """So the withheld-name checks above look at the timeline and the evidence "added by" too."""
    case = case_in_state(INVESTIGATION, cast)
    kinds = set(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert EventKind.REPORT_RECEIVED in kinds
    assert EvidenceFile.objects.filter(report__case=case, added_by=cast.reporter).exists()
