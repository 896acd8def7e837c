"""Who hears what. Called inside the transaction of the event that causes it.

Nobody is told more than the access rules let them see: reporters only learn
that their report is closed; the person who posted is never told anything
about a case about them; nobody is notified of their own action.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils import timezone

from casework.access import people_case_is_about
from casework.models import Case, Flag
from directory.models import Role, User
from notifications.models import NotificationKind
from notifications.services import notification_create

URGENT_FLAGS = {Flag.SAFEGUARDING, Flag.DATA_BREACH}
# Which specialists a flag brings in at once.
FLAG_RECIPIENTS: dict[str, list[Role]] = {
    Flag.SAFEGUARDING: [Role.SAFEGUARDING_LEAD],
    Flag.DATA_BREACH: [Role.IG_LEAD],
    Flag.OFFICIAL_ACCOUNT: [Role.COMMUNICATIONS_LEAD],
}


def role_members(role: Role) -> list[User]:
    return list(User.objects.filter(groups__role__code=role, is_active=True))


def _recipients(case: Case, people: Iterable[User | None], *, actor: User | None) -> list[User]:
    """Active people, once each, never the actor and never anyone the case is about."""
    about = people_case_is_about(case)
    chosen: dict[int, User] = {}
    for person in people:
        if person is None or not person.is_active:
            continue
        if person.pk in about or (actor is not None and person.pk == actor.pk):
            continue
        chosen.setdefault(person.pk, person)
    return list(chosen.values())


def _case_link(case: Case) -> str:
    return reverse("casework:case_detail", args=[case.reference])


def _tell(case: Case, people: Iterable[User], kind: NotificationKind, *, urgent: bool = False,
          **context: object) -> None:
    for person in people:
        notification_create(recipient=person, kind=kind, context={"case": case, **context},
                            link=_case_link(case), case=case, urgent=urgent)


def notify_case_action(*, case: Case, action: str, actor: User) -> None:
    """The notifications a case action sends (the case is already in its new state)."""
    if action == "route_to_manager":
        _tell(case, _recipients(case, [case.line_manager], actor=actor), NotificationKind.CASE_ROUTED,
              due=case.next_due_at)
    elif action in ("request_investigation", "escalate"):
        _tell(case, _recipients(case, role_members(Role.HR_LEAD), actor=actor),
              NotificationKind.INVESTIGATION_REQUESTED, escalated=action == "escalate")
    elif action == "assign":
        _tell(case, _recipients(case, [case.investigator], actor=actor), NotificationKind.INVESTIGATION_ASSIGNED,
              assigned_as="investigator")
        # The decision maker sees the case only from the decision on, so no link to it yet.
        for person in _recipients(case, [case.decision_maker], actor=actor):
            notification_create(recipient=person, kind=NotificationKind.INVESTIGATION_ASSIGNED,
                                context={"case": case, "assigned_as": "decision maker"}, case=case)
    elif action == "submit_findings":
        _tell(case, _recipients(case, [case.decision_maker], actor=actor), NotificationKind.FINDINGS_SUBMITTED)
    elif action == "record_outcome":
        _tell(case, _recipients(case, [case.line_manager], actor=actor), NotificationKind.OUTCOME_RECORDED)
    elif action == "reopen":
        _tell(case, _recipients(case, role_members(Role.TRIAGE_OFFICER) + [case.investigator], actor=actor),
              NotificationKind.CASE_REOPENED)
    if case.state == "closed" and action != "withdraw":
        _tell_reporters_closed(case, actor=actor)


def _tell_reporters_closed(case: Case, *, actor: User) -> None:
    # Each reporter hears about their own report, and only that it is closed.
    for report in case.reports.select_related("reporter"):
        reporter = report.reporter
        if not reporter.is_active or reporter.pk == actor.pk or reporter.pk in people_case_is_about(case):
            continue
        notification_create(
            recipient=reporter,
            kind=NotificationKind.REPORT_CLOSED,
            context={"report": report},
            link=reverse("incidents:report_detail", args=[report.reference]),
        )


def notify_flag(*, case: Case, flag: str, actor: User) -> None:
    roles = FLAG_RECIPIENTS.get(flag, [])
    people = [person for role in roles for person in role_members(role)]
    _tell(case, _recipients(case, people, actor=actor), NotificationKind.FLAG_RAISED,
          urgent=flag in URGENT_FLAGS, flag_label=Flag(flag).label)


def _deadline_owners(deadline: object) -> list[User]:
    case: Case = deadline.case
    clock = deadline.clock
    if clock == "triage_start":
        return role_members(Role.TRIAGE_OFFICER)
    if clock == "triage_complete":
        return [case.triaged_by] if case.triaged_by_id else role_members(Role.TRIAGE_OFFICER)
    if clock == "manager_decision":
        return [case.line_manager]
    if clock == "investigation":
        return [case.investigator] if case.investigator_id else role_members(Role.HR_LEAD)
    if clock == "decision":
        return [case.decision_maker]
    if clock == "safeguarding":
        return role_members(Role.SAFEGUARDING_LEAD)
    if clock == "data_breach":
        return role_members(Role.IG_LEAD)
    return []


def notify_deadline(*, deadline: object, step: str) -> None:
    """A reminder or overdue alert to the owner; an escalation to the HR lead (and IG lead for a breach)."""
    case: Case = deadline.case
    hour_clock = deadline.clock in ("safeguarding", "data_breach")
    context = {"deadline": deadline, "clock_label": deadline.get_clock_display(), "now": timezone.now()}
    if step == "reminder":
        _tell(case, _recipients(case, _deadline_owners(deadline), actor=None), NotificationKind.DEADLINE_REMINDER,
              urgent=hour_clock, **context)
    elif step == "overdue":
        _tell(case, _recipients(case, _deadline_owners(deadline), actor=None), NotificationKind.DEADLINE_OVERDUE,
              urgent=hour_clock, **context)
    elif step == "escalation":
        people = role_members(Role.HR_LEAD)
        if deadline.clock == "data_breach":
            people += role_members(Role.IG_LEAD)
        _tell(case, _recipients(case, people, actor=None), NotificationKind.DEADLINE_ESCALATION, urgent=True,
              **context)
