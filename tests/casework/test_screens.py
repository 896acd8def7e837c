"""The case screens over HTTP: queue, case lists, case page, flags, related cases, admin."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import CaseEvent, CaseState, EventKind, Flag, HandleLink
from casework.services import case_flag_set, case_link_handle
from directory.models import Role
from tests.factories import CaseFactory, PrincipleFactory, ReportFactory, UserFactory

pytestmark = pytest.mark.django_db


def _case(
    state: str = CaseState.NEW, *, platform: str = "facebook", days_old: int = 0, **fields: object
):
    case = CaseFactory(state=state, **fields)
    ReportFactory(case=case, reference=case.reference, platform=platform)
    if days_old:
        type(case).objects.filter(pk=case.pk).update(
            created_at=timezone.now() - dt.timedelta(days=days_old)
        )
    return case


def test_triage_queue_lists_new_and_triage_cases_oldest_first_when_asked(
    login, triage_officer
) -> None:
    newest = _case(days_old=1)
    oldest = _case(CaseState.TRIAGE, days_old=5)
    _case(CaseState.INVESTIGATION, days_old=9)
    response = login(triage_officer).get(reverse("casework:triage_queue"), {"sort": "arrival"})
    assert [c.reference for c in response.context["page"].object_list] == [
        oldest.reference,
        newest.reference,
    ]


def test_triage_queue_puts_the_overdue_first_then_the_least_time_left(
    login, triage_officer
) -> None:
    now = timezone.now()
    later = _case(days_old=9, next_due_at=now + dt.timedelta(days=3))
    undated = _case(days_old=8)
    soon = _case(CaseState.TRIAGE, days_old=1, next_due_at=now + dt.timedelta(hours=2))
    overdue = _case(days_old=2, next_due_at=now - dt.timedelta(hours=5))
    response = login(triage_officer).get(reverse("casework:triage_queue"))
    assert [c.reference for c in response.context["page"].object_list] == [
        overdue.reference,
        soon.reference,
        later.reference,
        undated.reference,
    ]
    assert '<option value="" selected>Least time left first</option>' in response.content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"state": "triage"}, ["in_triage"]),
        ({"platform": "tiktok"}, ["tiktok"]),
        ({"flag": "safeguarding"}, ["flagged"]),
    ],
)
def test_triage_queue_filters(login, triage_officer, params, expected) -> None:
    cases = {
        "plain": _case(),
        "in_triage": _case(CaseState.TRIAGE),
        "tiktok": _case(platform="tiktok"),
        "flagged": _case(flag_safeguarding=True),
    }
    response = login(triage_officer).get(reverse("casework:triage_queue"), params)
    shown = {c.reference for c in response.context["page"].object_list}
    assert shown == {cases[key].reference for key in expected}


def test_triage_queue_searches_by_report_reference(login, triage_officer) -> None:
    wanted = _case()
    joined = ReportFactory(case=wanted, reference="SMP-2026-77777")
    _case()
    response = login(triage_officer).get(
        reverse("casework:triage_queue"), {"q": joined.reference.lower()}
    )
    assert [c.reference for c in response.context["page"].object_list] == [wanted.reference]


def test_the_queue_is_closed_to_people_without_a_triage_role(login, outsider, investigator) -> None:
    assert login(outsider).get(reverse("casework:triage_queue")).status_code == 404
    assert login(investigator).get(reverse("casework:triage_queue")).status_code == 404


def test_an_empty_case_list_says_so(login, investigator) -> None:
    page = login(investigator).get(reverse("casework:case_list")).content.decode()
    assert "no cases for you here" in page


def test_case_list_shows_each_role_its_own_cases(login, investigator, hr_lead) -> None:
    mine = _case(CaseState.INVESTIGATION, investigator=investigator)
    other = _case(CaseState.INVESTIGATION)
    page = login(investigator).get(reverse("casework:case_list")).content.decode()
    assert mine.reference in page and other.reference not in page
    page = login(hr_lead).get(reverse("casework:case_list")).content.decode()
    assert mine.reference in page and other.reference in page


def test_the_case_page_offers_only_the_actions_the_user_may_take(login, triage_officer) -> None:
    case = _case()
    page = (
        login(triage_officer)
        .get(reverse("casework:case_detail", args=[case.reference]))
        .content.decode()
    )
    assert reverse("casework:case_action", args=[case.reference, "start_triage"]) in page
    assert reverse("casework:case_action", args=[case.reference, "assign"]) not in page
    assert (
        reverse("casework:case_action", args=[case.reference, "dismiss"]) not in page
    )  # not in triage yet


@pytest.mark.parametrize(
    ("flag", "role"),
    [
        (Flag.SAFEGUARDING, Role.SAFEGUARDING_LEAD),
        (Flag.DATA_BREACH, Role.IG_LEAD),
        (Flag.OFFICIAL_ACCOUNT, Role.COMMUNICATIONS_LEAD),
    ],
)
def test_a_flag_brings_its_specialist_lead_onto_the_case(login, triage_officer, flag, role) -> None:
    lead = UserFactory(roles=[role])
    case = _case(CaseState.TRIAGE, triaged_by=triage_officer)
    url = reverse("casework:case_detail", args=[case.reference])
    assert login(lead).get(url).status_code == 404
    case_flag_set(case=case, by=triage_officer, flag=flag, raised=True, note="From the report.")
    assert login(lead).get(url).status_code == 200
    event = CaseEvent.objects.get(case=case, kind=EventKind.FLAG_CHANGED)
    assert event.actor == triage_officer and "raised" in event.note
    case.refresh_from_db()
    assert case.state == CaseState.TRIAGE  # flags never move the case
    case_flag_set(case=case, by=triage_officer, flag=flag, raised=False, note="Dealt with.")
    # The lead was told of the flag, so the case page says they no longer have access.
    cleared = login(lead).get(url)
    assert cleared.status_code == 403
    assert "you no longer have access to it" in cleared.content.decode()


def test_the_data_breach_flag_records_when_the_organisation_became_aware(
    login, triage_officer
) -> None:
    case = _case(CaseState.TRIAGE)
    aware = timezone.now() - dt.timedelta(hours=5)
    case_flag_set(
        case=case,
        by=triage_officer,
        flag=Flag.DATA_BREACH,
        raised=True,
        note="Names visible.",
        became_aware_at=aware,
    )
    case.refresh_from_db()
    assert case.data_breach_aware_at == aware


def test_flags_are_set_over_http_with_a_note(login, triage_officer) -> None:
    case = _case(CaseState.TRIAGE)
    url = reverse("casework:case_action", args=[case.reference, "set_flag"])
    response = login(triage_officer).post(
        url,
        {"seen_revision": case.revision, "flag": "takedown_requested", "raised": "1", "note": ""},
    )
    assert response.status_code == 400
    response = login(triage_officer).post(
        url,
        {
            "seen_revision": case.revision,
            "flag": "takedown_requested",
            "raised": "1",
            "note": "Asked the poster to remove it.",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.flag_takedown_requested


def test_the_safeguarding_lead_records_a_response_from_the_case_page(login, triage_officer) -> None:
    lead = UserFactory(roles=[Role.SAFEGUARDING_LEAD])
    case = _case(CaseState.TRIAGE, triaged_by=triage_officer)
    case_flag_set(
        case=case,
        by=triage_officer,
        flag=Flag.SAFEGUARDING,
        raised=True,
        note="A colleague at risk.",
    )
    url = reverse("casework:case_action", args=[case.reference, "respond_to_flag"])
    page = login(lead).get(reverse("casework:case_detail", args=[case.reference])).content.decode()
    assert url in page
    case.refresh_from_db()
    response = login(lead).post(
        url,
        {
            "seen_revision": case.revision,
            "flag": "safeguarding",
            "note": "Spoke to the colleague and their manager.",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.safeguarding_responded_at is not None
    page = login(lead).get(reverse("casework:case_detail", args=[case.reference])).content.decode()
    assert url not in page  # nothing left to respond to


def test_related_cases_are_shown_to_hr_only(login, hr_lead, triage_officer, poster) -> None:
    first = _case(CaseState.TRIAGE, poster=poster)
    second = _case(CaseState.TRIAGE, poster=poster)
    unrelated = _case(CaseState.TRIAGE)
    hr_page = (
        login(hr_lead).get(reverse("casework:case_detail", args=[first.reference])).content.decode()
    )
    assert "Related cases" in hr_page
    assert second.reference in hr_page and unrelated.reference not in hr_page
    officer_page = (
        login(triage_officer)
        .get(reverse("casework:case_detail", args=[first.reference]))
        .content.decode()
    )
    assert "Related cases" not in officer_page


def test_linking_a_handle_relates_its_cases_to_the_person(login, hr_lead, poster) -> None:
    named = _case(CaseState.TRIAGE, poster=poster)
    by_handle = _case(CaseState.TRIAGE, poster_handle="@NightNurse")
    url = reverse("casework:case_detail", args=[named.reference])
    assert by_handle.reference not in login(hr_lead).get(url).content.decode()
    case_link_handle(
        case=by_handle, by=hr_lead, handle="@nightnurse", user=poster, note="Same photo on both."
    )
    assert HandleLink.objects.get().handle == "nightnurse"
    assert by_handle.reference in login(hr_lead).get(url).content.decode()
    assert CaseEvent.objects.filter(
        case=by_handle, kind=EventKind.HANDLE_LINKED, actor=hr_lead
    ).exists()


def test_the_investigation_page_lists_principles_with_their_investigating_policy(
    login, investigator
) -> None:
    principle = PrincipleFactory(title="Protect patient confidentiality")
    case = _case(CaseState.INVESTIGATION, investigator=investigator)
    case.principles.add(principle)
    page = (
        login(investigator)
        .get(reverse("casework:investigation", args=[case.reference]))
        .content.decode()
    )
    assert "Protect patient confidentiality" in page
    assert principle.investigated_under.title in page


def test_the_admin_shows_the_state_read_only_and_applies_transitions_through_the_services(
    client,
) -> None:
    admin_user = UserFactory(is_staff=True, is_superuser=True, roles=[Role.TRIAGE_OFFICER])
    client.force_login(admin_user)
    case = _case()
    change = client.get(reverse("admin:casework_case_change", args=[case.pk])).content.decode()
    assert 'name="state"' not in change
    assert "start_triage" in change
    url = reverse("admin:casework_case_transition", args=[case.pk, "start_triage"])
    client.post(url, {"note": ""})
    case.refresh_from_db()
    assert case.state == CaseState.NEW  # a note is required here too
    client.post(url, {"note": "Picked up from the admin."})
    case.refresh_from_db()
    assert case.state == CaseState.TRIAGE
    event = CaseEvent.objects.get(case=case, kind=EventKind.TRANSITION)
    assert event.actor == admin_user and event.note == "Picked up from the admin."


def test_the_admin_offers_no_transition_the_user_may_not_take(client) -> None:
    admin_user = UserFactory(is_staff=True, is_superuser=True)  # superuser, but no casework role
    client.force_login(admin_user)
    case = _case()
    client.post(
        reverse("admin:casework_case_transition", args=[case.pk, "start_triage"]), {"note": "x"}
    )
    case.refresh_from_db()
    assert case.state == CaseState.NEW
