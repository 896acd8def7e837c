"""Nobody reaches a case about themselves, whatever roles they hold and however the case names them.

A case names the person who posted as its poster, as the poster in one of its reports, or
through a handle (on the case or on a report) that is linked to them, in any spelling. The
subject here holds every combination of roles in turn and is also written into the case as
triage officer, line manager, investigator and decision maker (bad data must not open a door
either). Each combination tries every door: the access rules directly, and over HTTP every
page, action, file, PDF, access history, legal hold, reveal, search and the audit trail.
"""

from __future__ import annotations

import itertools

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.models import AuditKind
from audit.selectors import LogFilters, audit_log
from audit.services import audit_record
from casework import access
from casework.actions import ACTIONS as DECLARED_ACTIONS
from casework.models import Case, CaseEvent, CaseState, HandleLink
from casework.notices import notify_case_action, notify_flag
from casework.services import related_cases
from directory.handles import handle_normalise
from directory.models import Role, User, role_group
from incidents.models import EvidenceFile, PosterKind
from notifications.models import Notification
from records.sar import sar_collect
from summaries.models import CaseSummary
from summaries.services import summary_produce, summary_request
from tests.factories import (
    CaseFactory,
    ReportFactory,
    UserFactory,
    case_in_state,
    evidence_file_make,
    report_make,
)
from tests.helpers import action_form_data, snapshot

pytestmark = pytest.mark.django_db

# Every way a case can name the person who posted.
WAYS = (
    "case_poster",
    "report_poster",
    "case_handle_linked",
    "report_handle_linked",
    "handle_spelt_otherwise",
)
STATES = (
    CaseState.NEW,
    CaseState.TRIAGE,
    CaseState.MANAGER_REVIEW,
    CaseState.INVESTIGATION,
    CaseState.DECISION,
    CaseState.CLOSED,
)
ALL_ROLES = tuple(Role)
# Every action a person can try on a case, by its URL name.
ACTIONS = tuple(DECLARED_ACTIONS)


def _subject_case(way: str, state: str, cast, subject: User, n: int) -> Case:
    """A case in ``state`` about ``subject`` named in ``way``, with every door as wide open as data allows."""
    handle = f"night_nurse_{n}"
    # The case's main poster is someone else whenever the subject is named another way,
    # so "poster = me" is not what keeps the subject out.
    case = case_in_state(
        state,
        cast,
        everyone=True,
        confidential=True,
        flag_safeguarding=True,
        flag_data_breach=True,
        flag_official_account=True,
        triaged_by=subject,
        line_manager=subject,
        investigator=subject,
        decision_maker=subject,
        **({"poster": subject} if way == "case_poster" else {}),
        **(
            {"poster": None, "poster_handle": f"@{handle.title()}"}
            if way == "case_handle_linked"
            else {}
        ),
        **(
            {"poster": None, "poster_handle": f" ＠{handle.upper()}\u200b "}
            if way == "handle_spelt_otherwise"
            else {}
        ),
    )
    if way == "report_poster":
        report_make(
            case=case, reporter=cast.reporter, poster=subject, reference=f"{case.reference}-B"
        )
    if way == "report_handle_linked":
        ReportFactory(
            case=case,
            reference=f"{case.reference}-H",
            reporter=cast.reporter,
            poster_kind=PosterKind.HANDLE,
            poster_handle=f"@{handle}",
        )
    if way in ("case_handle_linked", "report_handle_linked", "handle_spelt_otherwise"):
        HandleLink.objects.create(handle=handle, user=subject, linked_by=cast.triage_officer)
    for report in case.reports.all():
        if not report.files.exists():
            evidence_file_make(report=report)
    # Someone else's view of the case, so the audit trail has rows about it.
    audit_record(
        kind=AuditKind.CASE_VIEWED, actor=cast.triage_officer, case=case, detail={"page": "case"}
    )
    return case


@pytest.fixture
def subject(db) -> User:
    return UserFactory(first_name="Sid", last_name="Subject", line_manager=UserFactory())


@pytest.fixture
def world(cast, subject) -> list[Case]:
    """A case about the subject for every way of naming them in every state."""
    return [
        _subject_case(way, state, cast, subject, n)
        for n, (way, state) in enumerate(itertools.product(WAYS, STATES))
    ]


def _with_roles(user: User, roles: tuple[Role, ...]) -> User:
    user.groups.set([role_group(role) for role in roles])
    return User.objects.get(pk=user.pk)  # a fresh instance, as each request has


def test_both_answers_agree_on_who_each_case_is_about(world, subject, cast):
    for case in world:
        assert subject.pk in access.people_case_is_about(Case.objects.get(pk=case.pk)), (
            case.reference
        )
    assert set(access.cases_about(subject)) == set(world)
    # Everyone else's cases are not the subject's business, and not about them.
    assert subject.pk not in access.people_case_is_about(case_in_state(CaseState.TRIAGE, cast))


def test_no_combination_of_roles_opens_a_case_about_them(world, subject):
    combinations = [
        combo
        for size in range(len(ALL_ROLES) + 1)
        for combo in itertools.combinations(ALL_ROLES, size)
    ]
    assert len(combinations) == 2 ** len(ALL_ROLES)
    # One instance of each case for every combination, as one page would hold it.
    cases = list(
        Case.objects.filter(pk__in=[case.pk for case in world]).prefetch_related("reports")
    )
    for roles in combinations:
        _nothing_opens(_with_roles(subject, roles), cases)


def test_no_combination_of_roles_opens_a_case_about_them_within_a_page_either(world, subject):
    """A reading request remembers the cases about the viewer as a list: it excludes the same."""
    cases = list(
        Case.objects.filter(pk__in=[case.pk for case in world]).prefetch_related("reports")
    )
    for roles in [(), (Role.HR_LEAD,), ALL_ROLES]:
        with access.remembering():
            person = _with_roles(subject, roles)
            remembered = access._ids_about_remembered(person)
            assert remembered == sorted(case.pk for case in world)
            _nothing_opens(person, cases)


def test_a_case_opened_once_is_remembered_only_within_the_request(cast, hr_lead):
    case = case_in_state(CaseState.TRIAGE, cast)
    with access.remembering():
        access.opened(hr_lead, case)
        assert access.may_note(hr_lead, case)
        # A different revision of the case is a different question, asked of the database.
        case.revision += 1
        assert access.may_note(hr_lead, case)
        stranger = UserFactory()
        assert not access.may_note(stranger, case)
    # Outside the request nothing is remembered: a case about the HR lead is closed to them.
    Case.objects.filter(pk=case.pk).update(poster=hr_lead)
    assert not access.may_note(hr_lead, Case.objects.get(pk=case.pk))


def test_only_reading_requests_remember(login, cast, hr_lead, monkeypatch):
    seen: list[object] = []
    original = access._ids_about_remembered

    def spy(user):
        found = original(user)
        seen.append(type(found))
        return found

    monkeypatch.setattr(access, "_ids_about_remembered", spy)
    case = case_in_state(CaseState.TRIAGE, cast)
    client = login(hr_lead)
    client.get(reverse("casework:case_detail", args=[case.reference]))
    assert seen and set(seen) == {list}
    seen.clear()
    client.post(reverse("casework:case_action", args=[case.reference, "add_note"]), {"note": ""})
    assert seen and set(seen) == {type(None)}


def _nothing_opens(person: User, world: list[Case]) -> None:
    ids = {case.pk for case in world}
    assert not access.visible_cases(person).filter(pk__in=ids).exists()
    assert not access.access_history_cases(person).filter(pk__in=ids).exists()
    assert not access.visible_evidence_files(person).filter(report__case_id__in=ids).exists()
    assert not audit_log(LogFilters(), viewer=person).filter(case_id__in=ids).exists()
    for case in world:
        assert not [action for action in ACTIONS if access.may(person, action, case)], (
            case.reference
        )
        assert access.summary_variants(person, case) == []
        assert not access.may_see_access_history(person, case)
        assert not access.may_see_related_cases(person, case)
        assert not access.may_place_legal_hold(person, case)


# Over HTTP every door is tried with no role, with the widest role alone, and with every role
# together (each combination's rules are tried above; here, that each door asks those rules).
HTTP_COMBOS = [(), (Role.HR_LEAD,), ALL_ROLES]
HTTP_STATES = (CaseState.TRIAGE, CaseState.DECISION)


@pytest.mark.parametrize(
    "roles", HTTP_COMBOS, ids=lambda combo: "+".join(role.value for role in combo) or "no-role"
)
def test_every_door_is_a_404(subject, cast, login, roles):
    world = [
        _subject_case(way, state, cast, subject, n)
        for n, (way, state) in enumerate(itertools.product(WAYS, HTTP_STATES))
    ]
    person = _with_roles(subject, roles)
    # Summaries produced for HR, so there is a PDF to try to download.
    summaries = {}
    for case in world[:: len(HTTP_STATES)]:
        summary = summary_request(case=case, variant="full", by=cast.decision_maker)
        summary_produce(summary_id=summary.pk)
        summaries[case.pk] = summary
    client = login(person)
    for case in world:
        before = snapshot(case)
        ref = case.reference
        doors = [
            ("get", reverse("casework:case_detail", args=[ref]), {}),
            ("get", reverse("casework:investigation", args=[ref]), {}),
            ("get", reverse("casework:access_history", args=[ref]), {}),
            ("post", reverse("summaries:create", args=[ref]), {"variant": "full"}),
            (
                "post",
                reverse("records:legal_hold_place", args=[ref]),
                {"reason": "Tribunal claim received."},
            ),
            (
                "post",
                reverse("records:legal_hold_lift", args=[ref]),
                {"reason": "Tribunal claim withdrawn."},
            ),
        ]
        for report in case.reports.all():
            doors.append(
                (
                    "post",
                    reverse("casework:reveal_reporter", args=[ref, report.reference]),
                    {"reason": "Checking who made the report."},
                )
            )
        for evidence in EvidenceFile.objects.filter(report__case=case):
            doors.append(("get", reverse("incidents:evidence_download", args=[evidence.pk]), {}))
        if case.pk in summaries:
            pk = summaries[case.pk].pk
            doors.append(("get", reverse("summaries:status", args=[ref, pk]), {}))
            doors.append(("get", reverse("summaries:download", args=[ref, pk]), {}))
        for action in ACTIONS:
            url = reverse("casework:case_action", args=[ref, action])
            doors.append(("get", url, {}))
            doors.append(("post", url, action_form_data(action, case, cast)))
        for method, url, data in doors:
            response = getattr(client, method)(url, data)
            assert response.status_code == 404, (method, url, response.status_code)
        assert snapshot(case) == before
    assert not CaseSummary.objects.filter(case__in=world, requested_by=person).exists()
    # Lists, searches and the audit trail don't mention them either.
    pages = [
        reverse("casework:case_list"),
        reverse("casework:triage_queue"),
        reverse("audit:log"),
        reverse("notifications:inbox"),
    ]
    for case in world:
        pages.append(f"{reverse('casework:case_list')}?q={case.reference}")
        pages.append(f"{reverse('audit:log')}?case_reference={case.reference}")
    for url in pages:
        body = client.get(url).content.decode()
        # A search box shows what was searched for; nothing else may name the case.
        shown = [
            case.reference
            for case in world
            if case.reference in body.replace(f'value="{case.reference}"', "")
        ]
        assert not shown, url


def test_the_reported_repro_a_linked_handle_shuts_the_door(cast, login, hr_lead):
    """As tara.triage: link the handle on a case to Paul, who is a triage officer and HR lead."""
    paul = _with_roles(cast.poster, (Role.TRIAGE_OFFICER, Role.HR_LEAD))
    case = CaseFactory(state=CaseState.TRIAGE, triaged_by=cast.triage_officer)
    ReportFactory(
        case=case,
        reporter=cast.reporter,
        poster_kind=PosterKind.HANDLE,
        poster_handle="@nightshift_nurse_demo",
    )
    other = case_in_state(CaseState.TRIAGE, cast, poster=paul)
    page = reverse("casework:case_detail", args=[case.reference])
    assert login(paul).get(page).status_code == 200  # not yet known to be his

    response = login(cast.triage_officer).post(
        reverse("casework:case_action", args=[case.reference, "link_handle"]),
        {
            "seen_revision": case.revision,
            "handle": "@NightShift_Nurse_Demo",
            "user": paul.pk,
            "note": "HR confirmed.",
        },
    )
    assert response.status_code == 302

    client = login(paul)
    assert client.get(page).status_code == 404
    assert (
        client.post(
            reverse("casework:case_action", args=[case.reference, "start_triage"]),
            {"note": "Mine now."},
        ).status_code
        == 404
    )
    assert case.reference not in client.get(reverse("casework:triage_queue")).content.decode()
    # The HR lead sees the two cases as related; Paul would see neither.
    hr_page = login(hr_lead).get(reverse("casework:case_detail", args=[case.reference]))
    assert other.reference in hr_page.content.decode()


def test_related_cases_never_list_one_about_the_viewer(cast, subject):
    viewer = _with_roles(subject, (Role.HR_LEAD,))
    about_paul = case_in_state(CaseState.TRIAGE, cast)
    # Another case about Paul, which also names the viewer in a report.
    both = case_in_state(CaseState.TRIAGE, cast)
    report_make(case=both, reporter=cast.reporter, poster=viewer, reference=f"{both.reference}-V")
    assert both in related_cases(case=about_paul, viewer=cast.decision_maker)
    assert both not in related_cases(case=about_paul, viewer=viewer)


def test_nobody_is_told_about_a_case_about_them(world, subject, cast):
    person = _with_roles(subject, ALL_ROLES)
    for case in world:
        notify_case_action(case=case, action="request_investigation", actor=cast.triage_officer)
        notify_case_action(case=case, action="assign", actor=cast.decision_maker)
        notify_flag(case=case, flag="data_breach", actor=cast.triage_officer)
    assert not Notification.objects.filter(recipient=person).exists()
    assert Notification.objects.filter(recipient=cast.decision_maker).exists()


def test_subject_access_includes_cases_about_their_handles(world, subject):
    archive = sar_collect(subject)
    listed = {case["reference"] for case in archive.data["cases_about_you"]}
    assert listed == {case.reference for case in world}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.text(
        st.characters(categories=["L", "N"], include_characters="_."), min_size=1, max_size=20
    ),
    at=st.sampled_from(["", "@", "＠", "@ "]),
    case_change=st.sampled_from([str, str.upper, str.lower, str.title, str.swapcase]),
    around=st.sampled_from(["", " ", "\u200b", "\t"]),
    on_report=st.booleans(),
)
def test_any_spelling_of_a_linked_handle_names_the_person(
    cast, name, at, case_change, around, on_report
):
    key = handle_normalise(name)
    if not key or HandleLink.objects.filter(handle=key).exists():
        return
    person = UserFactory()
    written = f"{around}{at}{case_change(name)}{around}"
    if (
        handle_normalise(written) != key
    ):  # a case change that isn't reversible (e.g. "ß" upper-cased)
        return
    case = case_in_state(
        CaseState.TRIAGE, cast, poster=None, **({} if on_report else {"poster_handle": written})
    )
    if on_report:
        ReportFactory(
            case=case,
            reference=f"{case.reference}-H",
            reporter=cast.reporter,
            poster_kind=PosterKind.HANDLE,
            poster_handle=written,
        )
    HandleLink.objects.create(handle=key, user=person, linked_by=cast.triage_officer)
    assert access.cases_about(person).filter(pk=case.pk).exists()
    assert person.pk in access.people_case_is_about(Case.objects.get(pk=case.pk))
    # The deadline sweep asks for many cases at once, and must get the same answer.
    other = case_in_state(CaseState.TRIAGE, cast)
    many = access.people_cases_are_about(Case.objects.filter(pk__in=[case.pk, other.pk]))
    assert many == {
        case.pk: access.people_case_is_about(Case.objects.get(pk=case.pk)),
        other.pk: access.people_case_is_about(Case.objects.get(pk=other.pk)),
    }
    assert person.pk in many[case.pk] and person.pk not in many[other.pk]
    assert (
        not access.visible_cases(_with_roles(person, (Role.HR_LEAD,))).filter(pk=case.pk).exists()
    )


def test_a_timeline_event_alone_names_nobody(world, subject):
    # Acting on a case (a note, a view) is not being its subject: the rule is about who posted.
    someone = UserFactory()
    CaseEvent.objects.create(case=world[0], kind="note", actor=someone, note="Looked at it.")
    assert someone.pk not in access.people_case_is_about(Case.objects.get(pk=world[0].pk))


def test_notifications_about_a_case_leave_the_inbox_once_it_turns_out_to_be_theirs(cast, login):
    paul = _with_roles(cast.poster, (Role.TRIAGE_OFFICER,))
    case = CaseFactory(state=CaseState.NEW)
    ReportFactory(
        case=case,
        reporter=cast.reporter,
        poster_kind=PosterKind.HANDLE,
        poster_handle="@ward_watch",
    )
    notify_flag(case=case, flag="data_breach", actor=cast.triage_officer)  # no one yet: IG only
    notify_case_action(
        case=case, action="reopen", actor=cast.decision_maker
    )  # triage officers hear
    told = Notification.objects.get(recipient=paul, case=case)
    client = login(paul)
    assert case.reference in client.get(reverse("notifications:inbox")).content.decode()

    HandleLink.objects.create(handle="ward_watch", user=paul, linked_by=cast.triage_officer)
    assert case.reference not in client.get(reverse("notifications:inbox")).content.decode()
    assert client.post(reverse("notifications:open", args=[told.pk])).status_code == 404
    client.post(reverse("notifications:mark_all_read"))
    told.refresh_from_db()
    assert told.read_at is None  # untouched, as if it weren't there
