"""Who hears what about a case. Called inside the transaction of the event that causes it.

Each action's declaration in ``casework.actions`` names the notice below that
it sends; the notifications app only stores, delivers and lists them. The
deadline sweep lives in ``deadlines`` and is handed ``notify_deadline`` by the
callers here (``deadlines_sweep``, ``deadline_act`` and the beat task in
``casework.tasks``), so the clocks never need to know who owns a stage.

Nobody is told more than the access rules let them see: reporters only learn
that their report is closed; the person who posted is never told anything
about a case about them; nobody is notified of their own action.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone

from casework.access import people_case_is_about
from casework.models import Case, Flag
from deadlines import services as clocks
from directory.models import Role, User
from notifications.models import NotificationKind
from notifications.rules import role_members
from notifications.services import notification_create

if TYPE_CHECKING:
    from deadlines.models import Deadline

URGENT_FLAGS = {Flag.SAFEGUARDING, Flag.DATA_BREACH}
# Which specialists a flag brings in at once.
FLAG_RECIPIENTS: dict[str, list[Role]] = {
    Flag.SAFEGUARDING: [Role.SAFEGUARDING_LEAD],
    Flag.DATA_BREACH: [Role.IG_LEAD],
    Flag.OFFICIAL_ACCOUNT: [Role.COMMUNICATIONS_LEAD],
}


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


def _tell(
    case: Case,
    people: Iterable[User],
    kind: NotificationKind,
    *,
    urgent: bool = False,
    **context: object,
) -> None:
    for person in people:
        notification_create(
            recipient=person,
            kind=kind,
            context={"case": case, **context},
            link=_case_link(case),
            case=case,
            urgent=urgent,
        )


# --- What each action sends (named by its declaration) ------------------------------------


def tell_line_manager_routed(*, case: Case, actor: User) -> None:
    _tell(
        case,
        _recipients(case, [case.line_manager], actor=actor),
        NotificationKind.CASE_ROUTED,
        due=case.next_due_at,
    )


def tell_hr_leads_investigation_requested(*, case: Case, actor: User) -> None:
    _tell(
        case,
        _recipients(case, role_members(Role.HR_LEAD), actor=actor),
        NotificationKind.INVESTIGATION_REQUESTED,
        escalated=False,
    )


def tell_hr_leads_escalated(*, case: Case, actor: User) -> None:
    _tell(
        case,
        _recipients(case, role_members(Role.HR_LEAD), actor=actor),
        NotificationKind.INVESTIGATION_REQUESTED,
        escalated=True,
    )


def tell_team_assigned(*, case: Case, actor: User) -> None:
    _tell(
        case,
        _recipients(case, [case.investigator], actor=actor),
        NotificationKind.INVESTIGATION_ASSIGNED,
        assigned_as="investigator",
    )
    # The decision maker sees the case only from the decision on, so no link to it yet.
    for person in _recipients(case, [case.decision_maker], actor=actor):
        notification_create(
            recipient=person,
            kind=NotificationKind.INVESTIGATION_ASSIGNED,
            context={"case": case, "assigned_as": "decision maker"},
            case=case,
        )


def tell_decision_maker_findings(*, case: Case, actor: User) -> None:
    _tell(
        case,
        _recipients(case, [case.decision_maker], actor=actor),
        NotificationKind.FINDINGS_SUBMITTED,
    )


def tell_line_manager_outcome(*, case: Case, actor: User) -> None:
    _tell(
        case, _recipients(case, [case.line_manager], actor=actor), NotificationKind.OUTCOME_RECORDED
    )


def tell_triage_reopened(*, case: Case, actor: User) -> None:
    _tell(
        case,
        _recipients(case, role_members(Role.TRIAGE_OFFICER) + [case.investigator], actor=actor),
        NotificationKind.CASE_REOPENED,
    )


def notify_case_action(*, case: Case, action: str, actor: User) -> None:
    """The notifications a case action sends (the case is already in its new state)."""
    from casework.actions import ACTIONS

    declared = ACTIONS[action]
    if declared.notify is not None:
        declared.notify(case=case, actor=actor)
    if case.state == "closed" and declared.tells_reporters_closed:
        tell_reporters_closed(case, actor=actor)


def tell_reporters_closed(case: Case, *, actor: User) -> None:
    # Each reporter hears about their own report, and only that it is closed.
    for report in case.reports.select_related("reporter"):
        reporter = report.reporter
        if (
            not reporter.is_active
            or reporter.pk == actor.pk
            or reporter.pk in people_case_is_about(case)
        ):
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
    _tell(
        case,
        _recipients(case, people, actor=actor),
        NotificationKind.FLAG_RAISED,
        urgent=flag in URGENT_FLAGS,
        flag_label=Flag(flag).label,
    )


def _deadline_owners(deadline: Deadline) -> Sequence[User | None]:
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


def notify_deadline(*, deadline: Deadline, step: str) -> None:
    """A reminder or overdue alert to the owner; an escalation to the HR lead (and IG lead for a breach)."""
    case: Case = deadline.case
    hour_clock = deadline.clock in ("safeguarding", "data_breach")
    context = {
        "deadline": deadline,
        "clock_label": deadline.get_clock_display(),
        "now": timezone.now(),
    }
    if step == "reminder":
        _tell(
            case,
            _recipients(case, _deadline_owners(deadline), actor=None),
            NotificationKind.DEADLINE_REMINDER,
            urgent=hour_clock,
            **context,
        )
    elif step == "overdue":
        _tell(
            case,
            _recipients(case, _deadline_owners(deadline), actor=None),
            NotificationKind.DEADLINE_OVERDUE,
            urgent=hour_clock,
            **context,
        )
    elif step == "escalation":
        people = role_members(Role.HR_LEAD)
        if deadline.clock == "data_breach":
            people += role_members(Role.IG_LEAD)
        _tell(
            case,
            _recipients(case, people, actor=None),
            NotificationKind.DEADLINE_ESCALATION,
            urgent=True,
            **context,
        )


# --- The deadline sweep, with the owners above --------------------------------------------


def deadline_act(*, deadline_id: int, now: dt.datetime | None = None) -> str | None:
    """Send the reminder, overdue alert or escalation due on one deadline, at most once."""
    return clocks.deadline_act(deadline_id=deadline_id, notify=notify_deadline, now=now)


def deadlines_sweep(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Act on every deadline whose next step has come. Returns how many steps were sent."""
    return clocks.deadlines_sweep(notify=notify_deadline, now=now, limit=limit)
