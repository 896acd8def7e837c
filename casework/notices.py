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
from urllib.parse import quote

from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS

from casework.access import people_case_is_about, people_cases_are_about
from casework.models import Case, Flag
from deadlines import services as clocks
from deadlines.models import Clock
from directory.models import Role, User
from notifications.models import NotificationKind
from notifications.rules import role_members, role_members_of
from notifications.services import Notice, notices_send, notification_create

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


def _case_links(cases: Iterable[Case]) -> dict[int, str]:
    """``_case_link`` of many cases, with one ``reverse()`` (tens of microseconds each) for all."""
    marker = "REFERENCE"
    before, _, after = reverse("casework:case_detail", args=[marker]).rpartition(marker)
    # As reverse() quotes a path argument.
    return {
        case.pk: before + quote(case.reference, safe=RFC3986_SUBDELIMS + "/~:@") + after
        for case in cases
    }


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


# Who owns each clock: the case's own person where the clock has one (falling back to a role
# while nobody is named), otherwise everyone holding the role.
_CLOCK_PERSON = {
    "triage_complete": "triaged_by_id",
    "manager_decision": "line_manager_id",
    "investigation": "investigator_id",
    "decision": "decision_maker_id",
}
_CLOCK_ROLE = {
    "triage_start": Role.TRIAGE_OFFICER,
    "triage_complete": Role.TRIAGE_OFFICER,
    "investigation": Role.HR_LEAD,
    "safeguarding": Role.SAFEGUARDING_LEAD,
    "data_breach": Role.IG_LEAD,
}
# get_clock_display() per deadline rebuilds the choices' lookup table each time.
_CLOCK_LABELS: dict[str, str] = dict(Clock.choices)
_STEP_KINDS = {
    "reminder": NotificationKind.DEADLINE_REMINDER,
    "overdue": NotificationKind.DEADLINE_OVERDUE,
    "escalation": NotificationKind.DEADLINE_ESCALATION,
}


# The fields of a case that notify_deadlines reads (its owners, whom it is about, its reference
# for the link and subject), and its state, which the state machine reads whenever a case loads.
DEADLINE_CASE_FIELDS = (
    "reference",
    "state",
    "poster",
    "poster_handle_key",
    *(field.removesuffix("_id") for field in _CLOCK_PERSON.values()),
)


def _escalated_to(clock: str) -> list[Role]:
    return [Role.HR_LEAD, Role.IG_LEAD] if clock == "data_breach" else [Role.HR_LEAD]


def notify_deadlines(*, steps: Sequence[tuple[Deadline, str]]) -> None:
    """Reminders and overdue alerts to each clock's owner; escalations to the HR leads (and IG leads
    for a data breach). Written in bulk, with the people found once for all the steps.

    Whatever the number of steps: one query for the people the cases name, one for the members
    of the roles concerned, two for whom each case is about, and the INSERT.
    """
    if not steps:
        return
    named_ids: set[int] = set()
    roles: set[Role] = set()
    for deadline, step in steps:
        case: Case = deadline.case
        if step == "escalation":
            roles.update(_escalated_to(deadline.clock))
            continue
        field = _CLOCK_PERSON.get(deadline.clock)
        person_id = getattr(case, field) if field else None
        if person_id is not None:
            named_ids.add(person_id)
        elif deadline.clock in _CLOCK_ROLE:
            roles.add(_CLOCK_ROLE[deadline.clock])
    named = User.objects.in_bulk(named_ids) if named_ids else {}
    members = role_members_of(roles)
    cases = {deadline.case_id: deadline.case for deadline, _ in steps}.values()
    about = people_cases_are_about(cases)
    links = _case_links(cases)

    notices = []
    for deadline, step in steps:
        case = deadline.case
        people: list[User | None]
        if step == "escalation":
            people = [person for role in _escalated_to(deadline.clock) for person in members[role]]
        else:
            field = _CLOCK_PERSON.get(deadline.clock)
            person_id = getattr(case, field) if field else None
            if person_id is not None:
                people = [named.get(person_id)]
            else:
                role = _CLOCK_ROLE.get(deadline.clock)
                people = list(members[role]) if role else []
        chosen: dict[int, User] = {}
        for person in people:
            if person is None or not person.is_active or person.pk in about[case.pk]:
                continue
            chosen.setdefault(person.pk, person)
        notices.append(
            Notice(
                kind=_STEP_KINDS[step],
                recipients=list(chosen.values()),
                context={"clock_label": _CLOCK_LABELS[deadline.clock], "due_at": deadline.due_at},
                case=case,
                link=links[case.pk],
                urgent=step == "escalation" or deadline.clock in ("safeguarding", "data_breach"),
            )
        )
    notices_send(notices=notices)


def notify_deadline(*, deadline: Deadline, step: str) -> None:
    """The notifications of one deadline's step (``notify_deadlines`` for a single one)."""
    notify_deadlines(steps=[(deadline, step)])


# --- The deadline sweep, with the owners above --------------------------------------------


def deadline_act(*, deadline_id: int, now: dt.datetime | None = None) -> str | None:
    """Send the reminder, overdue alert or escalation due on one deadline, at most once."""
    return clocks.deadline_act(
        deadline_id=deadline_id,
        notify=notify_deadlines,
        now=now,
        case_fields=DEADLINE_CASE_FIELDS,
    )


def deadlines_sweep(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Act on every deadline whose next step has come. Returns how many steps were sent."""
    return clocks.deadlines_sweep(
        notify=notify_deadlines, now=now, limit=limit, case_fields=DEADLINE_CASE_FIELDS
    )
