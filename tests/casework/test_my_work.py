"""Each person arrives at their own work: My work for case handlers, figures for governance."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import Case, CaseState
from tests.factories import UserFactory, case_in_state

pytestmark = pytest.mark.django_db

HOME = reverse("home")
WORK = reverse("casework:my_work")


def _due(case: Case, hours: float | None) -> Case:
    due = None if hours is None else timezone.now() + dt.timedelta(hours=hours)
    Case.objects.filter(pk=case.pk).update(next_due_at=due)
    return case


def _shown(response) -> list[str]:
    return [case.reference for case in response.context["page"].object_list]


def test_a_triage_officer_arrives_at_the_queue_most_urgent_first(login, cast) -> None:
    later = _due(case_in_state(CaseState.NEW, cast), 30)
    overdue = _due(case_in_state(CaseState.TRIAGE, cast), -3)
    soon = _due(case_in_state(CaseState.NEW, cast), 1)
    undated = _due(case_in_state(CaseState.NEW, cast), None)
    _due(case_in_state(CaseState.INVESTIGATION, cast), -10)  # not triage work
    response = login(cast.triage_officer).get(HOME)
    assert response.status_code == 200
    assert response.templates[0].name == "casework/my_work.html"
    assert _shown(response) == [
        overdue.reference,
        soon.reference,
        later.reference,
        undated.reference,
    ]
    html = response.content.decode()
    assert "New reports and cases in triage" in html and "1 overdue" in html
    [(kind, total, late)] = response.context["summary"]
    assert (kind.key, total.number, late.number) == ("triage", 4, 1)


def test_each_handler_sees_only_what_waits_on_them(login, cast, hr_lead) -> None:
    review = case_in_state(CaseState.MANAGER_REVIEW, cast)
    investigation = case_in_state(CaseState.INVESTIGATION, cast)
    decision = case_in_state(CaseState.DECISION, cast)
    unassigned = case_in_state(CaseState.INVESTIGATION, cast, investigator=None)
    assert _shown(login(cast.line_manager).get(HOME)) == [review.reference]
    assert set(_shown(login(cast.investigator).get(WORK))) == {investigation.reference}
    assert decision.reference in _shown(login(cast.decision_maker).get(WORK))
    assert investigation.reference not in _shown(login(cast.decision_maker).get(WORK))
    hr = login(hr_lead).get(WORK)
    assert _shown(hr) == [unassigned.reference]
    assert [kind.key for kind, _, _ in hr.context["summary"]] == ["team"]


def test_choosing_a_kind_lists_only_those_cases(login, cast, hr_lead) -> None:
    case_in_state(CaseState.NEW, cast)
    unassigned = case_in_state(CaseState.INVESTIGATION, cast, investigator=None)
    hr_lead.groups.add(*cast.triage_officer.groups.all())
    client = login(hr_lead)
    assert len(_shown(client.get(WORK))) == 2
    assert _shown(client.get(WORK, {"kind": "team"})) == [unassigned.reference]
    # A kind that isn't theirs is no filter at all.
    assert len(_shown(client.get(WORK, {"kind": "nonsense"}))) == 2


def test_nothing_waiting_says_so(login, cast) -> None:
    response = login(cast.investigator).get(WORK)
    assert "Nothing is waiting on you right now." in response.content.decode()


def test_governance_members_arrive_at_the_figures(login, governance_member) -> None:
    response = login(governance_member).get(HOME)
    assert response.status_code == 302 and response["Location"] == reverse("governance:dashboard")


def test_staff_with_nothing_waiting_arrive_at_their_reports(login, cast) -> None:
    response = login(cast.reporter).get(HOME)
    assert response.templates[0].name == "incidents/home.html"
    nav = [link.label for link in response.context["nav_links"]]
    assert "Cases" not in nav and "My work" not in nav


def test_my_work_never_lists_a_case_the_viewer_may_not_open(login, cast) -> None:
    # The triage officer is named as the poster: the case is about them.
    about_them = case_in_state(CaseState.NEW, cast)
    Case.objects.filter(pk=about_them.pk).update(poster=cast.triage_officer)
    other = case_in_state(CaseState.NEW, cast)
    shown = _shown(login(cast.triage_officer).get(WORK))
    assert shown == [other.reference]
    stranger = UserFactory()
    assert login(stranger).get(WORK).context["summary"] == []


def test_every_case_in_my_work_opens_for_its_viewer(
    login, cast, hr_lead, safeguarding_lead, ig_lead
) -> None:
    from casework.access import visible_cases

    for state in (
        CaseState.NEW,
        CaseState.TRIAGE,
        CaseState.MANAGER_REVIEW,
        CaseState.INVESTIGATION,
        CaseState.DECISION,
        CaseState.CLOSED,
    ):
        case_in_state(state, cast, flag_safeguarding=True, flag_data_breach=True)
    case_in_state(CaseState.INVESTIGATION, cast, investigator=None)  # the HR lead's to staff
    people = [
        cast.triage_officer,
        cast.line_manager,
        cast.investigator,
        cast.decision_maker,
        hr_lead,
        safeguarding_lead,
        ig_lead,
    ]
    for person in people:
        response = login(person).get(WORK)
        listed = {case.pk for case in response.context["page"].object_list}
        assert listed, person
        assert listed <= set(visible_cases(person).values_list("pk", flat=True)), person
        for case in response.context["page"].object_list:
            assert (
                login(person)
                .get(reverse("casework:case_detail", args=[case.reference]))
                .status_code
                == 200
            )
