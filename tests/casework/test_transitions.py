"""Every transition from every state, the conditions that hold one back, and what it records.

Cases start in their state from the factories (``case_in_state``). The
lifecycle below is written out from DOMAIN.md, not read from the model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import services
from casework.models import Case, CaseEvent, CaseState, Closure, DismissalReason, EventKind, Finding
from casework.services import (
    ActionNotAllowed,
    CaseActionError,
    CaseNotFound,
    ConflictOfInterest,
    FindingInput,
)
from directory.models import Role, User, role_group
from incidents.models import EvidenceFile, Report
from tests.factories import (
    CaseFactory,
    Cast,
    UserFactory,
    case_in_state,
    evidence_file_make,
    report_make,
)
from tests.helpers import action_form_data, case_refresh, snapshot

pytestmark = pytest.mark.django_db

NEW, TRIAGE, MANAGER_REVIEW = CaseState.NEW, CaseState.TRIAGE, CaseState.MANAGER_REVIEW
INVESTIGATION, DECISION, CLOSED = CaseState.INVESTIGATION, CaseState.DECISION, CaseState.CLOSED
STATES = [NEW, TRIAGE, MANAGER_REVIEW, INVESTIGATION, DECISION, CLOSED]

# transition: (from, to), as the lifecycle in DOMAIN.md draws it.
LIFECYCLE: dict[str, tuple[str, str]] = {
    "withdraw": (NEW, CLOSED),
    "start_triage": (NEW, TRIAGE),
    "dismiss": (TRIAGE, CLOSED),
    "route_to_manager": (TRIAGE, MANAGER_REVIEW),
    "escalate": (TRIAGE, INVESTIGATION),
    "resolve_informally": (MANAGER_REVIEW, CLOSED),
    "request_investigation": (MANAGER_REVIEW, INVESTIGATION),
    "assign": (INVESTIGATION, INVESTIGATION),
    "submit_findings": (INVESTIGATION, DECISION),
    "record_outcome": (DECISION, CLOSED),
    "reopen": (CLOSED, TRIAGE),
}

# Who in the cast may take each transition.
ACTOR: dict[str, str] = {
    "withdraw": "reporter",
    "start_triage": "triage_officer",
    "dismiss": "triage_officer",
    "route_to_manager": "triage_officer",
    "escalate": "hr_lead",
    "resolve_informally": "line_manager",
    "request_investigation": "line_manager",
    "assign": "hr_lead",
    "submit_findings": "investigator",
    "record_outcome": "decision_maker",
    "reopen": "hr_lead",
}


def _arguments(transition: str, case: Case, cast: Cast) -> dict[str, object]:
    """The service's arguments besides case, by and note."""
    if transition == "dismiss":
        return {"reason": DismissalReason.NO_BREACH}
    if transition == "resolve_informally":
        return {"action_taken": "Post removed.", "employee_spoken_to": True, "post_removed": True}
    if transition == "assign":
        return {"investigator": cast.investigator, "decision_maker": cast.decision_maker}
    if transition == "submit_findings":
        return {
            "terms_of_reference": "Did the post identify a patient?",
            "evidence_summary": "The screenshots.",
            "interview_records": "Spoke to the poster on Monday.",
            "recommendation": "Final written warning.",
            "findings": [FindingInput(principle=p, upheld=True) for p in case.principles.all()],
        }
    if transition == "record_outcome":
        return {
            "outcome": "final_written_warning",
            "rationale": "It identified a patient.",
            "appeal_deadline": timezone.localdate() + dt.timedelta(days=14),
        }
    if transition == "reopen":
        return {"reason": "appeal"}
    return {}


SERVICE: dict[str, Callable[..., Case]] = {
    "withdraw": services.case_withdraw,
    "start_triage": services.case_triage_start,
    "dismiss": services.case_dismiss,
    "route_to_manager": services.case_route_to_manager,
    "escalate": services.case_escalate,
    "resolve_informally": services.case_resolve_informally,
    "request_investigation": services.case_request_investigation,
    "assign": services.case_assign,
    "submit_findings": services.case_submit_findings,
    "record_outcome": services.case_record_outcome,
    "reopen": services.case_reopen,
}


def _actor(transition: str, cast: Cast, hr_lead: User) -> User:
    return hr_lead if ACTOR[transition] == "hr_lead" else getattr(cast, ACTOR[transition])


def _run(
    transition: str, case: Case, cast: Cast, hr_lead: User, *, note: str = "Looked at it."
) -> Case:
    by = _actor(transition, cast, hr_lead)
    return SERVICE[transition](case=case, by=by, note=note, **_arguments(transition, case, cast))


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("transition", list(LIFECYCLE))
def test_every_transition_from_every_state(cast, hr_lead, transition: str, state: str) -> None:
    # Everyone is on the case whatever its state (as on a case that went round once and was
    # reopened), so the state alone decides.
    case = case_in_state(state, cast, principles=2, everyone=True)
    before = snapshot(case)
    source, target = LIFECYCLE[transition]

    if state != source:
        # Before the case is routed, its line manager can't see it at all: a 404, not a 409.
        unseen = ACTOR[transition] == "line_manager" and state in (NEW, TRIAGE)
        refusal = CaseNotFound if unseen else ActionNotAllowed
        with pytest.raises(CaseActionError) as refused:
            _run(transition, case, cast, hr_lead)
        assert type(refused.value) is refusal
        assert refused.value.status == (404 if unseen else 409)
        assert snapshot(case) == before
        return

    done = _run(transition, case, cast, hr_lead)

    fresh = case_refresh(case)
    assert fresh.state == target == done.state
    assert fresh.revision == case.revision + 1
    # Assigning keeps the state, so the team records it as an assignment rather than a state change.
    kind = EventKind.ASSIGNMENT if transition == "assign" else EventKind.TRANSITION
    events = list(
        CaseEvent.objects.filter(case=case, kind__in=[EventKind.TRANSITION, EventKind.ASSIGNMENT])
    )
    assert [e.kind for e in events] == [kind]
    event = events[0]
    actor = _actor(transition, cast, hr_lead)
    assert (event.action, event.actor, event.from_state, event.to_state) == (
        transition,
        actor,
        source,
        target,
    )
    assert "Looked at it." in event.note
    assert CaseEvent.objects.filter(case=case).count() == before[2] + 1


def test_each_transition_records_what_it_did(cast, hr_lead) -> None:
    triaged = _run("start_triage", case_in_state(NEW, cast), cast, hr_lead)
    assert triaged.triaged_by == cast.triage_officer and triaged.triage_started_at is not None
    routed = _run("route_to_manager", case_in_state(TRIAGE, cast), cast, hr_lead)
    assert case_refresh(routed).line_manager == cast.line_manager
    withdrawn = _run("withdraw", case_in_state(NEW, cast), cast, hr_lead)
    assert case_refresh(withdrawn).closure == Closure.WITHDRAWN
    closed = _run("record_outcome", case_in_state(DECISION, cast), cast, hr_lead)
    assert case_refresh(closed).outcome == "final_written_warning" and closed.closed_at is not None
    reopened = _run("reopen", case_in_state(CLOSED, cast), cast, hr_lead)
    fresh = case_refresh(reopened)
    assert (fresh.closure, fresh.closed_at, fresh.reopened_count) == ("", None, 1)


@pytest.mark.parametrize("transition", list(LIFECYCLE))
@pytest.mark.parametrize("note", ["", "   \n"])
def test_a_transition_without_a_note_is_refused(cast, hr_lead, transition: str, note: str) -> None:
    case = case_in_state(LIFECYCLE[transition][0], cast, everyone=True)
    before = snapshot(case)
    with pytest.raises(ActionNotAllowed, match="note is required"):
        _run(transition, case, cast, hr_lead, note=note)
    assert snapshot(case) == before


def test_a_reporter_cannot_withdraw_a_case_others_reported_too(cast, hr_lead) -> None:
    case = case_in_state(NEW, cast)
    report_make(case=case, reporter=UserFactory())
    before = snapshot(case)
    with pytest.raises(CaseActionError) as refused:
        _run("withdraw", case, cast, hr_lead)
    assert refused.value.status == 403
    assert snapshot(case) == before


# --- Conditions -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"poster": None}, "Identify the member of staff who posted"),
        ("poster without a line manager", "make sure the directory names their line manager"),
        ({"principles": 0}, "Choose at least one principle"),
        ({"triage_summary": "  "}, "Write a triage summary"),
    ],
)
def test_routing_to_the_manager_waits_for_the_triage_details(cast, change, message) -> None:
    if change == "poster without a line manager":
        change = {
            "poster": UserFactory(first_name="Nora", last_name="Nomanager", line_manager=None)
        }
    principles = change.pop("principles", 1)
    case = case_in_state(TRIAGE, cast, principles=principles, **change)
    before = snapshot(case)
    with pytest.raises(ActionNotAllowed, match=message) as refused:
        services.case_route_to_manager(
            case=case, by=cast.triage_officer, note="Over to the manager."
        )
    assert refused.value.status == 409
    assert snapshot(case) == before


def test_escalating_needs_the_poster_identified(cast, hr_lead) -> None:
    case = case_in_state(TRIAGE, cast, poster=None)
    with pytest.raises(ActionNotAllowed, match="Identify the member of staff who posted before"):
        services.case_escalate(case=case, by=hr_lead, note="Patient confidentiality.")
    assert case_refresh(case).state == TRIAGE


def test_findings_are_refused_until_every_alleged_principle_has_one(cast) -> None:
    case = case_in_state(INVESTIGATION, cast, principles=2)
    first, second = case.principles.order_by("pk")
    arguments = {
        "terms_of_reference": "ToR",
        "evidence_summary": "Screenshots",
        "interview_records": "",
        "recommendation": "Warning",
        "note": "Done.",
    }
    before = snapshot(case)

    with pytest.raises(
        ActionNotAllowed, match="Record a finding for every alleged principle"
    ) as refused:
        services.case_submit_findings(
            case=case,
            by=cast.investigator,
            **arguments,
            findings=[FindingInput(principle=first, upheld=True)],
        )
    assert refused.value.status == 409
    assert snapshot(case) == before  # not even the one finding given was kept

    services.case_submit_findings(
        case=case,
        by=cast.investigator,
        **arguments,
        findings=[
            FindingInput(principle=first, upheld=True),
            FindingInput(principle=second, upheld=False),
        ],
    )
    assert case_refresh(case).state == DECISION
    assert Finding.objects.filter(case=case).count() == 2


def test_findings_need_a_decision_maker_assigned(cast) -> None:
    case = case_in_state(INVESTIGATION, cast, decision_maker=None)
    with pytest.raises(ActionNotAllowed, match="decision maker must be assigned"):
        services.case_submit_findings(
            case=case,
            by=cast.investigator,
            terms_of_reference="ToR",
            evidence_summary="E",
            interview_records="",
            recommendation="R",
            note="Done.",
            findings=[FindingInput(principle=p, upheld=True) for p in case.principles.all()],
        )


def _give(user: User, role: Role) -> User:
    user.groups.add(role_group(role))
    return User.objects.get(pk=user.pk)  # forget the cached roles


@pytest.fixture
def grand_manager(poster_manager: User) -> User:
    grand = UserFactory(first_name="Greta", last_name="Grandmanager", job_title="Head of nursing")
    poster_manager.line_manager = grand
    poster_manager.save(update_fields=["line_manager"])
    return grand


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("reporter as investigator", "Investigator: Rita Reporter reported this case."),
        ("poster as investigator", "Investigator: Paul Poster is the person who posted."),
        (
            "manager as investigator",
            "Investigator: Pat Manager is in the line of management of Paul Poster.",
        ),
        (
            "grand-manager as investigator",
            "Investigator: Greta Grandmanager is in the line of management of Paul Poster.",
        ),
        (
            "investigator as decision maker",
            "The decision maker must be a different person from the investigator.",
        ),
        (
            "grand-manager as decision maker",
            "Decision maker: Greta Grandmanager is in the line of management of Paul Poster.",
        ),
        ("reporter as decision maker", "Decision maker: Rita Reporter reported this case."),
    ],
)
def test_assigning_refuses_a_conflict_of_interest(
    cast, hr_lead, grand_manager, who: str, message: str
) -> None:
    case = case_in_state(INVESTIGATION, cast, investigator=None, decision_maker=None)
    investigator, decision_maker = cast.investigator, cast.decision_maker
    role, person = (
        who.split(" as ")[1],
        {
            "reporter": cast.reporter,
            "poster": cast.poster,
            "manager": cast.line_manager,
            "grand-manager": grand_manager,
            "investigator": cast.investigator,
        }[who.split(" as ")[0]],
    )
    if role == "investigator":
        investigator = _give(person, Role.HR_INVESTIGATOR)
    else:
        decision_maker = _give(person, Role.HR_LEAD)
    before = snapshot(case)

    with pytest.raises(ConflictOfInterest) as refused:
        services.case_assign(
            case=case,
            by=hr_lead,
            investigator=investigator,
            decision_maker=decision_maker,
            note="Assigning.",
        )

    assert message in str(refused.value)
    assert refused.value.status == 400
    assert snapshot(case) == before
    assert case_refresh(case).investigator is None


def test_assigning_without_a_conflict_goes_through(cast, hr_lead, grand_manager) -> None:
    case = case_in_state(INVESTIGATION, cast, investigator=None, decision_maker=None)
    services.case_assign(
        case=case,
        by=hr_lead,
        investigator=cast.investigator,
        decision_maker=cast.decision_maker,
        note="Assigning.",
    )
    fresh = case_refresh(case)
    assert (fresh.investigator, fresh.decision_maker) == (cast.investigator, cast.decision_maker)


# --- Duplicates ---------------------------------------------------------------


def test_dismissing_as_a_duplicate_moves_the_reports_and_evidence_to_the_survivor(
    login, cast
) -> None:
    survivor = case_in_state(TRIAGE, cast, confidential=False)
    duplicate = CaseFactory(state=TRIAGE, triaged_by=cast.triage_officer)
    reporter = UserFactory(first_name="Dana", last_name="Duplicate")
    moved = report_make(case=duplicate, reporter=reporter)
    evidence = evidence_file_make(report=moved)

    services.case_dismiss(
        case=duplicate,
        by=cast.triage_officer,
        reason=DismissalReason.DUPLICATE,
        duplicate_of=survivor,
        note="Same post as the other case.",
    )

    duplicate = case_refresh(duplicate)
    assert (duplicate.state, duplicate.merged_into) == (CLOSED, survivor)
    assert Report.objects.get(pk=moved.pk).case == survivor
    assert EvidenceFile.objects.get(pk=evidence.pk).report.case == survivor
    assert not Report.objects.filter(case=duplicate).exists()
    assert CaseEvent.objects.filter(case=survivor, kind=EventKind.MERGED_IN).count() == 1
    assert case_refresh(survivor).revision == survivor.revision + 1
    # The survivor's page shows the moved report and its file.
    page = login(cast.triage_officer).get(
        reverse("casework:case_detail", args=[survivor.reference])
    )
    assert (
        moved.reference in page.content.decode() and evidence.original_name in page.content.decode()
    )
    # The reporter follows their report under the survivor's status, not the closed duplicate's.
    client = login(reporter)
    mine = client.get(reverse("incidents:my_reports")).content.decode()
    row = mine[mine.index(moved.reference) :]
    row = row[: row.index("</tr>")]
    assert "Under review" in row and "Closed" not in row
    closed = client.get(reverse("incidents:my_reports"), {"status": "closed"}).content.decode()
    assert moved.reference not in closed
    assert client.get(reverse("incidents:evidence_download", args=[evidence.pk])).status_code == 200


def test_a_merged_duplicate_cannot_be_reopened(cast, hr_lead) -> None:
    survivor = case_in_state(TRIAGE, cast)
    merged = CaseFactory(
        state=CLOSED,
        dismissal_reason=DismissalReason.DUPLICATE,
        merged_into=survivor,
        closure=Closure.DISMISSED,
        closed_at=timezone.now(),
        triaged_by=cast.triage_officer,
    )
    before = snapshot(merged)
    with pytest.raises(ActionNotAllowed, match="merged into another as a duplicate") as refused:
        services.case_reopen(
            case=merged, by=hr_lead, reason="new_evidence", note="New screenshots."
        )
    assert refused.value.status == 409
    assert snapshot(merged) == before


def test_a_duplicate_needs_an_open_survivor(cast) -> None:
    case = case_in_state(TRIAGE, cast)
    closed = case_in_state(CLOSED, cast)
    for survivor, message in [
        (None, "Give the reference"),
        (case, "duplicate of itself"),
        (closed, "is closed"),
    ]:
        with pytest.raises(ActionNotAllowed, match=message):
            services.case_dismiss(
                case=case,
                by=cast.triage_officer,
                reason=DismissalReason.DUPLICATE,
                duplicate_of=survivor,
                note="Duplicate.",
            )
    assert case_refresh(case).state == TRIAGE


# --- Over HTTP: a missing field is a form error and nothing changes ----------------


@pytest.mark.parametrize(
    ("action", "state", "persona", "blank", "message"),
    [
        ("start_triage", NEW, "triage_officer", "note", "Add a note: say why."),
        ("route_to_manager", TRIAGE, "triage_officer", "note", "Add a note: say why."),
        ("reopen", CLOSED, "hr_lead", "note", "Add a note: say why."),
        ("record_outcome", DECISION, "decision_maker", "outcome", "Choose the outcome."),
        (
            "record_outcome",
            DECISION,
            "decision_maker",
            "rationale",
            "Give the rationale for the outcome.",
        ),
        (
            "resolve_informally",
            MANAGER_REVIEW,
            "line_manager",
            "action_taken",
            "Say what was done.",
        ),
    ],
)
def test_a_missing_field_is_a_form_error(
    login, cast, hr_lead, action, state, persona, blank, message
) -> None:
    case = case_in_state(state, cast)
    before = snapshot(case)
    data = action_form_data(action, case, cast)
    data[blank] = ""
    user = hr_lead if persona == "hr_lead" else getattr(cast, persona)

    response = login(user).post(
        reverse("casework:case_action", args=[case.reference, action]), data
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot(case) == before
