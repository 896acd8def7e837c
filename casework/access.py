"""Who may see what, and who may do what. Every view and query about cases asks here.

Two questions are answered in this one module so they never drift apart:
``visible_cases(user)`` — which cases a user may open — and
``may(user, action, case)`` — whether they may take an action on a case they
can see. A case a user may not see is answered with 404, exactly as if it did
not exist. The django-fsm ``permission=`` of every transition calls ``may``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from casework.models import (
    BREACH_WAITING,
    OPEN_STATES,
    SAFEGUARDING_WAITING,
    TEAM_WAITING,
    Case,
    CaseState,
    Flag,
    HandleLink,
)
from directory.models import Role, User
from directory.people import PersonScope
from incidents.models import EvidenceFile, Report
from kit.paging import any_of, none_of

# Which flag brings which specialist lead onto a case.
FLAG_OWNERS: dict[Role, str] = {
    Role.SAFEGUARDING_LEAD: "flag_safeguarding",
    Role.IG_LEAD: "flag_data_breach",
    Role.COMMUNICATIONS_LEAD: "flag_official_account",
}

# States in which the poster's line manager is involved: from their review on.
_MANAGER_STATES = [
    CaseState.MANAGER_REVIEW,
    CaseState.INVESTIGATION,
    CaseState.DECISION,
    CaseState.CLOSED,
]
_DECISION_STATES = [CaseState.DECISION, CaseState.CLOSED]


def _active(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.is_active


# --- Remembered for one request --------------------------------------------------------
#
# A page asks the same two questions many times: which cases are about the viewer (every scope
# leaves them out) and whether the viewer may open this case (every action's permission). While
# a GET or HEAD request is answered (``remembering``, run by ``AccessMemoMiddleware``) each is
# answered once. Those requests only read cases, reports and handle links, so an answer can't go
# stale under them; a POST, and anything outside a request (workers, commands), remembers nothing.

_memo: ContextVar[dict[Any, Any] | None] = ContextVar("access_memo", default=None)


@contextmanager
def remembering() -> Iterator[None]:
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


class AccessMemoMiddleware:
    """Gives each reading request its own memory of access answers (see ``remembering``)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        with remembering():
            return self.get_response(request)


def opened(user: User, case: Case) -> None:
    """``case`` was just read through ``visible_cases(user)``: the user may open it."""
    memo = _memo.get()
    if memo is not None:
        memo[("open", user.pk, case.pk, case.revision)] = True


def _may_open(user: User, case: Case) -> bool:
    memo = _memo.get()
    key = ("open", user.pk, case.pk, case.revision)
    if memo is not None and key in memo:
        return bool(memo[key])
    answer = visible_cases(user).filter(pk=case.pk).exists()
    if memo is not None:
        memo[key] = answer
    return answer


# --- Who a case is about ------------------------------------------------------------
#
# A case is about a person when it names them as the one who posted, in any of these ways:
#   1. the case's poster (set at triage, or from the first report);
#   2. the poster named in any of its reports;
#   3. a handle on the case, or on any of its reports, that is linked to them.
# The same list is answered both ways round -- ``cases_about(user)`` for querysets, and
# ``people_case_is_about(case)`` for one case (``people_cases_are_about(cases)`` for many at
# once) -- and tests hold them together. A new way of naming a person on a case is added to
# all three, here and nowhere else.


def case_ids_about(user: User) -> QuerySet:
    """The ids of every case that names ``user`` as the person who posted, in any way.

    One indexed lookup for each way of naming, put together with UNION: an OR of these would
    have the database test every case in the table against each arm, where a union reads
    only the person's own rows, and a scope excludes the result as one hashed list.
    """
    handles = HandleLink.objects.filter(user_id=user.pk).values("handle")
    return (
        Case.objects.filter(poster_id=user.pk)
        .order_by()
        .values("pk")
        .union(
            Case.objects.filter(poster_handle_key__in=handles).order_by().values("pk"),
            Report.objects.filter(poster_id=user.pk).order_by().values("case_id"),
            Report.objects.filter(poster_handle_key__in=handles).order_by().values("case_id"),
        )
    )


def cases_about(user: User) -> QuerySet[Case]:
    """Every case that names ``user`` as the person who posted, in any way (see ``case_ids_about``)."""
    return Case.objects.filter(pk__in=case_ids_about(user))


def people_case_is_about(case: Case) -> frozenset[int]:
    """The ids of everyone ``case`` names as the person who posted (see ``cases_about``).

    Remembered on the instance for as long as its poster, handle and revision stay the same: one
    page asks many times (every action's permission), and every service write bumps the revision.
    """
    stamp = (case.pk, case.poster_id, case.poster_handle_key, case.revision)
    cached = getattr(case, "_people_about", None)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    reports = case.reports.all()  # the page's prefetch, where it made one
    people = {case.poster_id, *(report.poster_id for report in reports)}
    keys = {case.poster_handle_key, *(report.poster_handle_key for report in reports)} - {""}
    if keys:
        people |= set(HandleLink.objects.filter(handle__in=keys).values_list("user_id", flat=True))
    answer = frozenset(person for person in people if person is not None)
    case._people_about = (stamp, answer)  # type: ignore[attr-defined]
    return answer


def people_cases_are_about(cases: Iterable[Case]) -> dict[int, frozenset[int]]:
    """``people_case_is_about`` for many cases at once, in two queries whatever their number."""
    cases = list(cases)
    people: dict[int, set[int]] = {case.pk: {case.poster_id} - {None} for case in cases}  # type: ignore[misc]
    keys: dict[int, set[str]] = {case.pk: {case.poster_handle_key} - {""} for case in cases}
    for case_id, poster_id, handle_key in Report.objects.filter(
        case_id__in=list(people)
    ).values_list("case_id", "poster_id", "poster_handle_key"):
        if poster_id is not None:
            people[case_id].add(poster_id)
        if handle_key:
            keys[case_id].add(handle_key)
    wanted = set().union(*keys.values()) if keys else set()
    owners: dict[str, int] = dict(
        HandleLink.objects.filter(handle__in=wanted).values_list("handle", "user_id")
        if wanted
        else []
    )
    return {
        case_id: frozenset(found | {owners[key] for key in keys[case_id] if key in owners})
        for case_id, found in people.items()
    }


def _about_them(user: User, case: Case) -> bool:
    return user.pk in people_case_is_about(case)


def case_ids_about_read(user: User) -> list[int]:
    """``case_ids_about(user)`` read out as a sorted list (remembered within a reading request)."""
    remembered = _ids_about_remembered(user)
    if remembered is not None:
        return remembered
    return sorted({row["pk"] for row in case_ids_about(user) if row["pk"] is not None})


def _ids_about_remembered(user: User) -> list[int] | None:
    memo = _memo.get()
    if memo is None:
        return None
    key = ("about", user.pk)
    if key not in memo:
        memo[key] = sorted({row["pk"] for row in case_ids_about(user) if row["pk"] is not None})
    return list(memo[key])


def case_ids_about_if_read(user: User) -> list[int] | None:
    """The ids of the cases about ``user`` if this request has read them already, else None."""
    memo = _memo.get()
    key = ("about", user.pk)
    if memo is None or key not in memo:
        return None
    return list(memo[key])


def without_cases_about(user: User, cases: QuerySet[Case], *, field: str = "pk") -> QuerySet[Case]:
    """``cases`` less those about ``user`` (``field`` names the case's id there).

    Within a reading request the ids are read once and go as one list; elsewhere as a subquery.
    """
    remembered = _ids_about_remembered(user)
    if remembered is None:
        return cases.exclude(**{f"{field}__in": case_ids_about(user)})
    return cases.filter(none_of(field, remembered))


def _not_about(user: User, cases: QuerySet[Case]) -> QuerySet[Case]:
    # Whoever posted never reaches a case about themselves, whatever role they hold.
    return without_cases_about(user, cases)


def visible_case_arms(user: User) -> list[Q]:
    """The ways a user comes to see a case, one condition each: their OR is ``visible_cases``.

    Each arm is served by an index of its own (on the state, on the person's column or on the
    flag), so a list can read every arm in its order and merge them, where one OR across the
    columns would have the database collect and sort every case the user may see.
    ``visible_cases`` is built from this list, so a way of seeing a case is added here and
    nowhere else. Empty for someone who sees no case; ``[Q()]`` for someone who sees them all.
    """
    if not _active(user):
        return []
    if user.has_role(Role.HR_LEAD):
        return [Q()]
    arms = []
    if user.has_role(Role.TRIAGE_OFFICER):
        arms += [Q(state=CaseState.NEW), Q(state=CaseState.TRIAGE), Q(triaged_by=user)]
    arms += [
        Q(line_manager=user, state__in=_MANAGER_STATES),
        Q(investigator=user),
        Q(decision_maker=user, state__in=_DECISION_STATES),
    ]
    for role, flag_field in FLAG_OWNERS.items():
        if user.has_role(role):
            arms.append(Q(**{flag_field: True}))
    return arms


@dataclass(frozen=True)
class WorkKind:
    """One kind of case waiting on a person: what it is called and the cases it holds."""

    key: str
    label: str
    arms: tuple[Q, ...]


# The flags whose lead answers them, and the open cases still waiting for that answer.
_FLAGS_WAITING: dict[Role, tuple[str, str, Q]] = {
    Role.SAFEGUARDING_LEAD: (
        "safeguarding",
        "Safeguarding flags waiting for your response",
        SAFEGUARDING_WAITING,
    ),
    Role.IG_LEAD: (
        "breach",
        "Possible data breaches waiting for your assessment",
        BREACH_WAITING,
    ),
}


# The person each stage waits on: the case's field naming them, the stage, and what they are.
STAGE_PEOPLE = (
    ("line_manager", CaseState.MANAGER_REVIEW, "line manager"),
    ("investigator", CaseState.INVESTIGATION, "investigator"),
    ("decision_maker", CaseState.DECISION, "decision maker"),
)


def work_kinds(user: User) -> list[WorkKind]:
    """The cases waiting on ``user`` to act, by kind: each a part of what they may open.

    Triage officers share the triage queue; a line manager has the cases sent to them for
    review; the HR lead has the investigations still without a team; investigators and
    decision makers have their own stage of their own cases; the specialist leads have the
    flags that still wait for their response. Empty for someone nothing waits on.
    """
    if not _active(user):
        return []
    kinds = []
    if user.has_role(Role.TRIAGE_OFFICER):
        kinds.append(
            WorkKind(
                "triage",
                "New reports and cases in triage",
                (Q(state=CaseState.NEW), Q(state=CaseState.TRIAGE)),
            )
        )
    kinds.append(
        WorkKind(
            "review",
            "Waiting for your review as line manager",
            (Q(line_manager=user, state=CaseState.MANAGER_REVIEW),),
        )
    )
    if user.has_role(Role.HR_LEAD):
        kinds.append(
            WorkKind(
                "team",
                "Investigations waiting for an investigator",
                (TEAM_WAITING,),
            )
        )
        # Each stage's person among the few who have left, read as a list first: given as a
        # subquery, the database can't tell how few they are and walks the whole stage.
        gone = list(User.objects.filter(is_active=False).values_list("pk", flat=True))
        if gone:
            kinds.append(
                WorkKind(
                    "left",
                    "Cases held by someone who has left",
                    tuple(
                        Q(**{f"{field}_id__in": gone}, state=state)
                        for field, state, _ in STAGE_PEOPLE
                    ),
                )
            )
    kinds += [
        WorkKind(
            "investigate",
            "Your investigations",
            (Q(investigator=user, state=CaseState.INVESTIGATION),),
        ),
        WorkKind(
            "decide",
            "Waiting for your decision",
            (Q(decision_maker=user, state=CaseState.DECISION),),
        ),
    ]
    kinds += [
        WorkKind(key, label, (waiting,))
        for role, (key, label, waiting) in _FLAGS_WAITING.items()
        if user.has_role(role)
    ]
    return kinds


def handles_cases(user: User) -> bool:
    """Whether the user's work is cases (a role that handles them), rather than reporting."""
    return _active(user) and any(
        user.has_role(role)
        for role in (
            Role.TRIAGE_OFFICER,
            Role.HR_LEAD,
            Role.HR_INVESTIGATOR,
            *FLAG_OWNERS,
        )
    )


def visible_cases_by_arm(user: User) -> tuple[QuerySet[Case], list[Q]]:
    """``visible_cases(user)`` in two parts, for a list that reads each arm through its index.

    The cases that aren't about the user, and the arms: the visible cases are those of the first
    that meet any arm. Left unfiltered by the arms' OR, the first part doesn't mislead the
    database into expecting a few dozen of an investigator's 16,000 cases and sorting them all.
    """
    arms = visible_case_arms(user)
    if not arms:
        return Case.objects.none(), []
    return _not_about(user, Case.objects.all()), arms


def visible_cases(user: User) -> QuerySet[Case]:
    """The cases a user may open as a case (reporters follow their reports instead)."""
    arms = visible_case_arms(user)
    if not arms:
        return Case.objects.none()
    return _not_about(user, Case.objects.filter(any_of(arms)))


def visible_reports_as_reporter(user: User) -> QuerySet[Report]:
    """A reporter's own reports: the only way a reporter reaches a case."""
    if not _active(user):
        return Report.objects.none()
    return Report.objects.filter(reporter=user)


def visible_evidence_files(user: User) -> QuerySet[EvidenceFile]:
    """Files on the user's own reports, and files on any case they may see."""
    if not _active(user):
        return EvidenceFile.objects.none()
    # EXISTS on the file's own case, not "case IN (every visible case)": one primary-key check
    # per file, where the IN list could be half the table for the HR lead.
    visible = visible_cases(user).filter(pk=OuterRef("report__case_id"))
    return EvidenceFile.objects.filter(Q(report__reporter=user) | Exists(visible))


def may_add_evidence(user: User, report: Report) -> bool:
    return report.reporter_id == user.pk and report.case.state != CaseState.CLOSED


def may_see_reporter(user: User, case: Case, report: Report) -> bool:
    """Whether the viewer may know who made this report.

    A confidential reporter is known only to the HR lead and the assigned
    investigator (decision makers are HR leads); never to the line manager.
    """
    if report.reporter_id == user.pk:
        return True
    if _about_them(user, case):
        return False
    if not report.confidential:
        return True
    return user.has_role(Role.HR_LEAD) or (
        case.investigator_id is not None and case.investigator_id == user.pk
    )


# How a withheld confidential reporter is shown, on the case pages, in the admin and in the PDFs.
CONFIDENTIAL_REPORTER = "Confidential reporter"


def confidential_reporters(case: Case) -> dict[int, Report]:
    """Everyone who asked for confidentiality on any report of this case, with the first such report.

    Such a person is withheld on every report of the case, in its timeline and
    on its evidence, not only on the report they asked to keep confidential:
    naming them on an open report would say who made the confidential one. On
    their other cases they are named as usual. Uses ``case.reports`` as
    prefetched.
    """
    secret: dict[int, Report] = {}
    for report in case.reports.all():
        if report.confidential:
            secret.setdefault(report.reporter_id, report)
    return secret


def confidential_reporter_exists(*, case: str, person: str) -> Exists:
    """The same rule for querysets: true on rows where ``person`` made a confidential report on ``case``.

    ``case`` and ``person`` are the paths from the row to the case id and to the person's id.
    """
    return Exists(
        Report.objects.filter(
            case_id=OuterRef(case), reporter_id=OuterRef(person), confidential=True
        )
    )


def may_see_related_cases(user: User, case: Case) -> bool:
    if not _active(user) or _about_them(user, case):
        return False
    return user.has_role(Role.HR_LEAD) or (
        case.investigator_id is not None and case.investigator_id == user.pk
    )


def summary_variants(user: User, case: Case) -> list[str]:
    """The PDF summaries this user may produce and download for a case they can see.

    The full summary and the employee's hearing bundle are for HR (the HR lead,
    the assigned investigator and decision maker); the manager's summary also
    for the line manager of the person who posted.
    """
    if not _active(user) or _about_them(user, case):
        return []
    hr = (
        user.has_role(Role.HR_LEAD)
        or assigned_investigator(user, case)
        or assigned_decision_maker(user, case)
    )
    variants = []
    if hr:
        variants += ["full", "manager", "employee"]
    elif case_line_manager(user, case) and case.state in _MANAGER_STATES:
        variants.append("manager")
    return variants


def may_see_triage_queue(user: User) -> bool:
    return _active(user) and (user.has_role(Role.TRIAGE_OFFICER) or user.has_role(Role.HR_LEAD))


def may_see_governance(user: User) -> bool:
    """Anonymised figures: the governance committee and the HR lead."""
    return _active(user) and (user.has_role(Role.GOVERNANCE) or user.has_role(Role.HR_LEAD))


def may_export_subject_access(user: User) -> bool:
    """Subject access archives (records app): the information governance lead only."""
    return _active(user) and user.has_role(Role.IG_LEAD)


def _may_read_access_history(user: User) -> bool:
    return user.has_role(Role.HR_LEAD) or user.has_role(Role.IG_LEAD)


def access_history_cases(user: User) -> QuerySet[Case]:
    """The cases whose access history (who looked at what, and when) the user may read.

    The HR lead sees every case anyway. The IG lead answers for data
    protection, so they may read the history of any case, including one
    without a data-breach flag whose page they can't open. Nobody reads the
    history of a case about themselves.
    """
    if not _active(user) or not _may_read_access_history(user):
        return Case.objects.none()
    return _not_about(user, Case.objects.all())


def may_see_access_history(user: User, case: Case) -> bool:
    return _active(user) and _may_read_access_history(user) and not _about_them(user, case)


def may_see_audit_log(user: User) -> bool:
    """The whole trail, with its chain check: the IG lead and the administrators."""
    return _active(user) and (user.has_role(Role.IG_LEAD) or user.has_role(Role.ADMINISTRATOR))


# --- Who may be picked for a case's people --------------------------------------------
#
# The assign form's fields and the person picker's search both read these, so the list a
# browser offers and the people the server accepts are the same.


def pickable_investigators() -> QuerySet[User]:
    return User.objects.filter(is_active=True, groups__role__code=Role.HR_INVESTIGATOR)


def pickable_decision_makers() -> QuerySet[User]:
    return User.objects.filter(is_active=True, groups__role__code=Role.HR_LEAD)


def may_choose_case_team(user: User) -> bool:
    """Who may look up investigators and decision makers: whoever assigns them (the HR lead)."""
    return _active(user) and user.has_role(Role.HR_LEAD)


INVESTIGATORS = PersonScope(
    name="investigators",
    noun="HR investigator",
    people=pickable_investigators,
    may_search=may_choose_case_team,
)
DECISION_MAKERS = PersonScope(
    name="decision-makers",
    noun="HR lead",
    people=pickable_decision_makers,
    may_search=may_choose_case_team,
)


def may(user: User, action: str, case: Case) -> bool:
    """May this user take this action on this case now (apart from the state's own rules)?

    Each action's declaration in ``casework.actions`` names which of the rules
    below it takes; the rules themselves are here, one condition per line. The
    state itself is the transition's business.
    """
    if not _active(user) or _about_them(user, case):
        return False
    from casework.actions import ACTIONS  # the declarations name these rules

    declared = ACTIONS.get(action)
    return bool(declared and declared.rule(user, case))


def reported_every_report(user: User, case: Case) -> bool:
    reporters = {report.reporter_id for report in case.reports.all()}
    return reporters == {user.pk}


def triage_officer(user: User, case: Case) -> bool:
    return user.has_role(Role.TRIAGE_OFFICER)


def hr_lead(user: User, case: Case) -> bool:
    return user.has_role(Role.HR_LEAD)


def case_line_manager(user: User, case: Case) -> bool:
    return case.line_manager_id is not None and case.line_manager_id == user.pk


def assigned_investigator(user: User, case: Case) -> bool:
    return case.investigator_id is not None and case.investigator_id == user.pk


def assigned_decision_maker(user: User, case: Case) -> bool:
    return case.decision_maker_id is not None and case.decision_maker_id == user.pk


def triage_or_hr_lead(user: User, case: Case) -> bool:
    return triage_officer(user, case) or hr_lead(user, case)


def flag_owner_with_open_flag(user: User, case: Case) -> bool:
    return (user.has_role(Role.SAFEGUARDING_LEAD) and case.flag_safeguarding) or (
        user.has_role(Role.IG_LEAD) and case.flag_data_breach
    )


def may_note(user: User, case: Case) -> bool:
    return _may_open(user, case)


__all__ = [
    "CONFIDENTIAL_REPORTER",
    "DECISION_MAKERS",
    "FLAG_OWNERS",
    "INVESTIGATORS",
    "OPEN_STATES",
    "Flag",
    "WorkKind",
    "access_history_cases",
    "case_ids_about",
    "case_ids_about_read",
    "cases_about",
    "confidential_reporter_exists",
    "confidential_reporters",
    "handles_cases",
    "may",
    "may_add_evidence",
    "may_choose_case_team",
    "may_see_access_history",
    "may_see_audit_log",
    "may_see_related_cases",
    "may_see_reporter",
    "people_case_is_about",
    "pickable_decision_makers",
    "pickable_investigators",
    "visible_case_arms",
    "visible_cases",
    "visible_cases_by_arm",
    "visible_evidence_files",
    "visible_reports_as_reporter",
    "without_cases_about",
    "work_kinds",
]


def may_place_legal_hold(user: User, case: Case) -> bool:
    """Place or lift a legal hold (records app): the HR lead or the IG lead, on a case they can open."""
    return (
        _active(user)
        and (user.has_role(Role.HR_LEAD) or user.has_role(Role.IG_LEAD))
        and _may_open(user, case)
    )
