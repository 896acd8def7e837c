"""Each case action tells the right people, and nobody more than they may see."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from casework import services
from casework.models import CaseState, Flag, Outcome
from casework.services import FindingInput
from directory.models import Role, role_group
from notifications.models import Notification, NotificationKind
from tests.factories import CaseFactory, PrincipleFactory, ReportFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_in_triage(reporter, poster, triage_officer):
    case = CaseFactory(
        state=CaseState.TRIAGE,
        poster=poster,
        triaged_by=triage_officer,
        triage_summary="Photo of a patient on the ward.",
    )
    ReportFactory(
        case=case,
        reference=case.reference,
        reporter=reporter,
        confidential=True,
        description="Distinctive description text",
    )
    case.principles.add(PrincipleFactory())
    return case


def _kinds(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_routing_tells_the_posters_line_manager_and_nobody_else(
    case_in_triage,
    triage_officer,
    poster,
    poster_manager,
    reporter,
    django_capture_on_commit_callbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.case_route_to_manager(case=case_in_triage, by=triage_officer, note="Over to you.")
    assert _kinds(poster_manager) == [NotificationKind.CASE_ROUTED]
    assert _kinds(poster) == [] and _kinds(triage_officer) == [] and _kinds(reporter) == []
    message = next(m for m in mail.outbox if m.to == [poster_manager.email])
    assert case_in_triage.reference in message.subject
    # A confidential reporter's name never reaches the line manager.
    assert reporter.last_name not in message.body and "Distinctive description" not in message.body


def test_the_whole_path_tells_each_person_in_turn(
    case_in_triage,
    triage_officer,
    poster_manager,
    hr_lead,
    investigator,
    reporter,
    poster,
    django_capture_on_commit_callbacks,
) -> None:
    decider = UserFactory(roles=[Role.HR_LEAD])
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_route_to_manager(case=case_in_triage, by=triage_officer, note="n")
        case = services.case_request_investigation(case=case, by=poster_manager, note="n")
        case = services.case_assign(
            case=case, by=hr_lead, investigator=investigator, decision_maker=decider, note="n"
        )
        case = services.case_submit_findings(
            case=case,
            by=investigator,
            terms_of_reference="t",
            evidence_summary="e",
            interview_records="i",
            findings=[FindingInput(principle=p, upheld=True) for p in case.principles.all()],
            recommendation="r",
            note="n",
        )
        services.case_record_outcome(
            case=case,
            by=decider,
            outcome=Outcome.FINAL_WRITTEN_WARNING,
            rationale="r",
            appeal_deadline=timezone.localdate() + dt.timedelta(days=7),
            note="n",
        )
    assert NotificationKind.INVESTIGATION_REQUESTED in _kinds(decider)  # every HR lead hears
    assert _kinds(investigator) == [NotificationKind.INVESTIGATION_ASSIGNED]
    assert NotificationKind.FINDINGS_SUBMITTED in _kinds(decider)
    assert NotificationKind.OUTCOME_RECORDED in _kinds(poster_manager)
    assert _kinds(reporter) == [NotificationKind.REPORT_CLOSED]
    closed = next(m for m in mail.outbox if m.to == [reporter.email])
    assert "closed" in closed.subject
    assert "warning" not in closed.body.lower()  # the reporter learns only that it is closed
    assert _kinds(poster) == []
    # The decision maker can't open the case until the decision stage, so their assignment has no link.
    assigned = Notification.objects.get(
        recipient=decider, kind=NotificationKind.INVESTIGATION_ASSIGNED
    )
    assert assigned.link == ""


@pytest.mark.parametrize(
    ("flag", "role", "urgent"),
    [
        (Flag.SAFEGUARDING, Role.SAFEGUARDING_LEAD, True),
        (Flag.DATA_BREACH, Role.IG_LEAD, True),
        (Flag.OFFICIAL_ACCOUNT, Role.COMMUNICATIONS_LEAD, False),
    ],
)
def test_a_flag_tells_its_specialist(case_in_triage, triage_officer, flag, role, urgent) -> None:
    lead = UserFactory(roles=[role])
    services.case_flag_set(case=case_in_triage, by=triage_officer, flag=flag, raised=True, note="n")
    notification = Notification.objects.get(recipient=lead)
    assert notification.kind == NotificationKind.FLAG_RAISED and notification.urgent is urgent


def test_a_specialist_who_posted_is_not_told(case_in_triage, triage_officer, poster) -> None:

    poster.groups.add(role_group(Role.SAFEGUARDING_LEAD))
    services.case_flag_set(
        case=case_in_triage, by=triage_officer, flag=Flag.SAFEGUARDING, raised=True, note="n"
    )
    assert _kinds(poster) == []


def test_the_safeguarding_lead_responds_and_the_clock_stops(case_in_triage, triage_officer) -> None:
    from deadlines.models import Clock, Deadline

    lead = UserFactory(roles=[Role.SAFEGUARDING_LEAD])
    case = services.case_flag_set(
        case=case_in_triage,
        by=triage_officer,
        flag=Flag.SAFEGUARDING,
        raised=True,
        note="Low mood.",
    )
    clock = Deadline.objects.get(case=case, clock=Clock.SAFEGUARDING)
    assert clock.due_at - clock.started_at == dt.timedelta(hours=4)
    with pytest.raises(services.ActionForbidden):
        services.case_flag_respond(case=case, by=triage_officer, flag=Flag.SAFEGUARDING, note="x")
    services.case_flag_respond(
        case=case, by=lead, flag=Flag.SAFEGUARDING, note="Called them; they're safe."
    )
    clock.refresh_from_db()
    assert clock.met_at is not None and clock.next_action_at is None


def test_the_ig_lead_records_whether_the_breach_went_to_the_ico(
    case_in_triage, triage_officer
) -> None:
    lead = UserFactory(roles=[Role.IG_LEAD])
    aware = timezone.now() - dt.timedelta(hours=80)
    case = services.case_flag_set(
        case=case_in_triage,
        by=triage_officer,
        flag=Flag.DATA_BREACH,
        raised=True,
        note="Rota with phone numbers.",
        became_aware_at=aware,
    )
    case.refresh_from_db()
    assert case.next_due_at == aware + dt.timedelta(hours=72)  # already overdue
    with pytest.raises(services.ActionNotAllowed):
        services.case_flag_respond(case=case, by=lead, flag=Flag.DATA_BREACH, note="Assessed.")
    case = services.case_flag_respond(
        case=case, by=lead, flag=Flag.DATA_BREACH, note="Assessed.", reported_to_ico=True
    )
    assert case.data_breach_reported_to_ico is True
