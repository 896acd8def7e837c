"""Casework: one function per user action.

What an action is (its rule, clocks, who hears, its form) is declared once in
``casework.actions``; the function here tells what it does, in order, inside
one transaction, all or nothing:

1. lock the case row and check it is still as the user saw it (``seen_revision``);
2. check the actor may act (the declaration's rule), then the state, then the details;
3. run the pure transition and save;
4. write the timeline line and its audit row (``casework.timeline``);
5. stop and start the deadline clocks the declaration names;
6. write the notifications the declaration names (emails go on commit);
7. tell reporting the case changed (the ``CaseChange`` outbox);
8. the after-commit work (archiving the summary of a closed case).

Nothing happens in signal receivers: every write is one of these calls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django_fsm import can_proceed

from casework import access
from casework.changes import cases_changed
from casework.models import (
    FLAG_FIELDS,
    Case,
    CaseEvent,
    CaseState,
    DismissalReason,
    EventKind,
    Finding,
    Flag,
    HandleLink,
    Outcome,
    ReopenReason,
)
from casework.notices import notify_case_action, notify_flag
from casework.timeline import case_event_record
from deadlines.services import (
    deadlines_after_action,
    deadlines_for_flag,
    deadlines_for_flag_response,
)
from directory.handles import handle_normalise
from directory.models import Role, User
from directory.services import directorate_of
from incidents.models import Report
from policies.models import Principle


class CaseActionError(Exception):
    """An action that cannot be taken; the message is for the person who tried."""

    status = 409


class CaseChanged(CaseActionError):
    def __init__(self) -> None:
        super().__init__(
            "This case changed while you were looking at it, so nothing was saved. "
            "Here it is as it is now: check it and try again if you still need to."
        )


class ActionNotAllowed(CaseActionError):
    """The action doesn't apply to the case as it is (its state or its details)."""


class ActionForbidden(CaseActionError):
    """The user's role doesn't allow the action."""

    status = 403


class CaseNotFound(CaseActionError):
    status = 404

    def __init__(self) -> None:
        super().__init__("No such case.")


class ConflictOfInterest(CaseActionError):
    status = 400


@dataclass(frozen=True)
class FindingInput:
    principle: Principle
    upheld: bool
    note: str = ""


# Why a transition that the state allows can't happen yet, in words for the user.
_CONDITION_MESSAGES = {
    "_poster_has_line_manager": "Identify the member of staff who posted, and make sure the directory "
    "names their line manager.",
    "_has_principles": "Choose at least one principle the post may breach.",
    "_has_triage_summary": "Write a triage summary for the line manager.",
    "_poster_identified": "Identify the member of staff who posted before starting an investigation.",
    "_team_assigned": "An investigator and a decision maker must be assigned first.",
    "_every_principle_has_a_finding": "Record a finding for every alleged principle.",
    "_not_merged": "This case was merged into another as a duplicate; reopen that one instead.",
    "_not_anonymised": "Personal details were removed from this case under the retention schedule, so it "
    "can't be reopened; open a new report instead.",
}


def _locked(
    case_id: int, *, by: User, seen_revision: int | None, check_visible: bool = True
) -> Case:
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        raise CaseNotFound()
    # The revision before the visibility: when someone else's action has just taken the case
    # out of this user's view (routed on, say), they were looking at it, so "it changed" is
    # the truth and "no such case" is not. Views only call a service with a case the user
    # could see when the request began, so this tells an outsider nothing.
    if seen_revision is not None and case.revision != seen_revision:
        raise CaseChanged()
    if check_visible and not access.visible_cases(by).filter(pk=case_id).exists():
        raise CaseNotFound()
    return case


def _event(
    case: Case,
    *,
    by: User | None,
    kind: EventKind,
    note: str,
    action: str = "",
    from_state: str = "",
    report: Report | None = None,
) -> CaseEvent:
    return case_event_record(
        case=case,
        kind=kind,
        action=action,
        actor=by,
        from_state=from_state,
        note=note,
        report=report,
    )


def _bump(case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(revision=F("revision") + 1, updated_at=timezone.now())
    case.revision += 1


def _transition(
    *,
    case: Case,
    by: User,
    action: str,
    note: str,
    seen_revision: int | None,
    check_visible: bool = True,
    before: Callable[[Case], None] | None = None,
    after: Callable[[Case], None] | None = None,
    kind: EventKind = EventKind.TRANSITION,
    **arguments: object,
) -> Case:
    """Run one declared transition under the row lock and record it, in the order of the module docstring."""
    from casework.actions import ACTIONS

    declared = ACTIONS[action]
    if not note.strip():
        raise ActionNotAllowed("A note is required: say why.")
    with transaction.atomic():
        # 1. Lock.
        locked = _locked(case.pk, by=by, seen_revision=seen_revision, check_visible=check_visible)
        method = getattr(locked, action)
        # 2. Check: role first (403), then the state (409), then the details (409).
        if not access.may(by, action, locked):
            raise ActionForbidden("Your role doesn't allow this action on this case.")
        if not can_proceed(method, check_conditions=False):
            raise ActionNotAllowed(_state_message(locked, action))
        if before is not None:
            before(locked)
        if not can_proceed(method):
            raise ActionNotAllowed(_unmet_conditions(locked, action))
        # 3. Transition and save.
        from_state = locked.state
        method(**arguments)
        locked.revision += 1
        locked.save()
        # 4. The timeline line and its audit row.
        _event(locked, by=by, kind=kind, action=action, from_state=from_state, note=note.strip())
        if after is not None:
            after(locked)
        # 5. Deadlines.
        deadlines_after_action(case=locked, meets=declared.meets, opens=declared.opens)
        # 6. Notifications: the declaration's notice, and the reporters of a case now closed.
        notify_case_action(case=locked, action=action, actor=by)
        # 7. Reporting.
        cases_changed([locked.pk])
        # 8. After commit: the closed case's summary is archived by a task.
        if locked.state == CaseState.CLOSED and action != "withdraw":
            from summaries.services import summary_archive_on_close

            summary_archive_on_close(case=locked, by=by)
    return locked


def _state_message(case: Case, action: str) -> str:
    label = getattr(case, action)._django_fsm.transitions
    name = next(iter(label.values())).custom.get("label", action)
    return f"“{name}” can't be done while the case is {case.state_phrase}."


def _unmet_conditions(case: Case, action: str) -> str:
    transitions = getattr(case, action)._django_fsm.transitions.values()
    unmet = [
        _CONDITION_MESSAGES.get(condition.__name__, condition.__name__)
        for transition in transitions
        for condition in transition.conditions
        if not condition(case)
    ]
    return " ".join(unmet) or "This action isn't possible right now."


# --- Transitions ---------------------------------------------------------------


def case_withdraw(*, case: Case, by: User, note: str, seen_revision: int | None = None) -> Case:
    """The reporter takes back a report nobody has started looking at."""
    # Reporters reach a case through their own reports, not the case list.
    return _transition(
        case=case,
        by=by,
        action="withdraw",
        note=note,
        seen_revision=seen_revision,
        check_visible=False,
    )


def case_triage_start(*, case: Case, by: User, note: str, seen_revision: int | None = None) -> Case:
    return _transition(
        case=case, by=by, action="start_triage", note=note, seen_revision=seen_revision, officer=by
    )


def case_dismiss(
    *,
    case: Case,
    by: User,
    reason: DismissalReason,
    note: str,
    duplicate_of: Case | None = None,
    seen_revision: int | None = None,
) -> Case:
    """Close at triage. A duplicate's reports and evidence move to the surviving case."""
    if reason == DismissalReason.DUPLICATE:
        if duplicate_of is None:
            raise ActionNotAllowed("Give the reference of the case this one duplicates.")
        if duplicate_of.pk == case.pk:
            raise ActionNotAllowed("A case can't be a duplicate of itself.")
        if duplicate_of.state == CaseState.CLOSED:
            raise ActionNotAllowed(f"{duplicate_of.reference} is closed; merge into an open case.")

    def merge(closed: Case) -> None:
        if reason != DismissalReason.DUPLICATE or duplicate_of is None:
            return
        survivor = Case.objects.select_for_update().get(pk=duplicate_of.pk)
        moved = list(Report.objects.filter(case=closed).values_list("reference", flat=True))
        Report.objects.filter(case=closed).update(case=survivor)
        cases_changed([closed.pk, survivor.pk])
        survivor.revision += 1
        survivor.save(update_fields=["revision", "updated_at"])
        _event(
            survivor,
            by=by,
            kind=EventKind.MERGED_IN,
            action="dismiss",
            note=f"Case {closed.reference} merged in as a duplicate; its reports {', '.join(moved)} "
            f"and their evidence are now part of this case. {note.strip()}",
        )

    with transaction.atomic():
        if reason == DismissalReason.DUPLICATE and duplicate_of is not None:
            # Lock the surviving case before this action writes any timeline line (and so takes the
            # audit chain's lock): an action on the survivor takes them in that order too.
            list(
                Case.objects.select_for_update()
                .filter(pk=duplicate_of.pk)
                .values_list("pk", flat=True)
            )
        return _transition(
            case=case,
            by=by,
            action="dismiss",
            note=f"{DismissalReason(reason).label}. {note.strip()}" if note.strip() else "",
            seen_revision=seen_revision,
            after=merge,
            reason=reason,
            duplicate_of=duplicate_of,
        )


def case_route_to_manager(
    *, case: Case, by: User, note: str, seen_revision: int | None = None
) -> Case:
    return _transition(
        case=case, by=by, action="route_to_manager", note=note, seen_revision=seen_revision
    )


def case_escalate(*, case: Case, by: User, note: str, seen_revision: int | None = None) -> Case:
    return _transition(case=case, by=by, action="escalate", note=note, seen_revision=seen_revision)


def case_resolve_informally(
    *,
    case: Case,
    by: User,
    action_taken: str,
    employee_spoken_to: bool,
    post_removed: bool,
    note: str,
    seen_revision: int | None = None,
) -> Case:
    if not action_taken.strip():
        raise ActionNotAllowed("Say what was done, for example that the post was removed.")
    if not employee_spoken_to:
        raise ActionNotAllowed("An informal resolution needs the employee to have been spoken to.")
    return _transition(
        case=case,
        by=by,
        action="resolve_informally",
        note=note,
        seen_revision=seen_revision,
        action_taken=action_taken.strip(),
        post_removed=post_removed,
    )


def case_request_investigation(
    *, case: Case, by: User, note: str, seen_revision: int | None = None
) -> Case:
    return _transition(
        case=case, by=by, action="request_investigation", note=note, seen_revision=seen_revision
    )


def conflicts_of_interest(*, case: Case, person: User) -> list[str]:
    """Why this person may not investigate or decide this case (empty if they may)."""
    reasons: list[str] = []
    reporter_ids = {report.reporter_id for report in case.reports.all()}
    if person.pk in reporter_ids:
        reasons.append(f"{person} reported this case.")
    poster = case.poster
    if poster is not None:
        if person.pk == poster.pk:
            reasons.append(f"{person} is the person who posted.")
        elif person.pk in {manager.pk for manager in poster.management_chain()}:
            reasons.append(f"{person} is in the line of management of {poster}.")
    return reasons


def case_assign(
    *,
    case: Case,
    by: User,
    investigator: User,
    decision_maker: User,
    note: str,
    seen_revision: int | None = None,
) -> Case:
    """Name the investigator and the decision maker, refusing any conflict of interest."""
    if not investigator.has_role(Role.HR_INVESTIGATOR):
        raise ConflictOfInterest(f"{investigator} is not an HR investigator.")
    if not decision_maker.has_role(Role.HR_LEAD):
        raise ConflictOfInterest(
            f"{decision_maker} is not an HR lead, so can't be the decision maker."
        )
    if investigator.pk == decision_maker.pk:
        raise ConflictOfInterest(
            "The decision maker must be a different person from the investigator."
        )

    def check(locked: Case) -> None:
        problems = [
            f"Investigator: {reason}"
            for reason in conflicts_of_interest(case=locked, person=investigator)
        ]
        problems += [
            f"Decision maker: {reason}"
            for reason in conflicts_of_interest(case=locked, person=decision_maker)
        ]
        if problems:
            raise ConflictOfInterest(" ".join(problems))

    note_text = (
        f"Investigator: {investigator}. Decision maker: {decision_maker}. {note.strip()}".strip()
    )
    locked = _transition(
        case=case,
        by=by,
        action="assign",
        note=note_text if note.strip() else "",
        seen_revision=seen_revision,
        before=check,
        kind=EventKind.ASSIGNMENT,
        investigator=investigator,
        decision_maker=decision_maker,
    )
    return locked


def case_submit_findings(
    *,
    case: Case,
    by: User,
    terms_of_reference: str,
    evidence_summary: str,
    interview_records: str,
    findings: Sequence[FindingInput],
    recommendation: str,
    note: str,
    seen_revision: int | None = None,
) -> Case:
    for label, text in [
        ("terms of reference", terms_of_reference),
        ("summary of the evidence", evidence_summary),
        ("recommendation", recommendation),
    ]:
        if not text.strip():
            raise ActionNotAllowed(f"The {label} can't be empty.")

    def record(locked: Case) -> None:
        alleged = set(locked.principles.values_list("pk", flat=True))
        for finding in findings:
            if finding.principle.pk not in alleged:
                raise ActionNotAllowed(
                    f"“{finding.principle.title}” is not one of the alleged principles."
                )
            Finding.objects.update_or_create(
                case=locked,
                principle=finding.principle,
                defaults={"upheld": finding.upheld, "note": finding.note},
            )

    summary = "; ".join(
        f"{f.principle.title}: {'upheld' if f.upheld else 'not upheld'}" for f in findings
    )
    return _transition(
        case=case,
        by=by,
        action="submit_findings",
        note=f"Findings — {summary}. {note.strip()}" if note.strip() else "",
        seen_revision=seen_revision,
        before=record,
        terms_of_reference=terms_of_reference.strip(),
        evidence_summary=evidence_summary.strip(),
        interview_records=interview_records.strip(),
        recommendation=recommendation.strip(),
    )


def case_record_outcome(
    *,
    case: Case,
    by: User,
    outcome: Outcome,
    rationale: str,
    appeal_deadline: dt.date,
    note: str,
    seen_revision: int | None = None,
) -> Case:
    if not rationale.strip():
        raise ActionNotAllowed("Give the rationale for the outcome.")
    if appeal_deadline < timezone.localdate():
        raise ActionNotAllowed("The appeal deadline can't be in the past.")
    return _transition(
        case=case,
        by=by,
        action="record_outcome",
        note=f"{Outcome(outcome).label}. {note.strip()}" if note.strip() else "",
        seen_revision=seen_revision,
        outcome=outcome,
        rationale=rationale.strip(),
        appeal_deadline=appeal_deadline,
    )


def case_reopen(
    *, case: Case, by: User, reason: ReopenReason, note: str, seen_revision: int | None = None
) -> Case:
    return _transition(
        case=case,
        by=by,
        action="reopen",
        note=f"{ReopenReason(reason).label}. {note.strip()}" if note.strip() else "",
        seen_revision=seen_revision,
    )


# --- Changes beside the state -------------------------------------------------


def _guarded_change(*, case: Case, by: User, action: str, seen_revision: int | None) -> Case:
    locked = _locked(case.pk, by=by, seen_revision=seen_revision)
    if not access.may(by, action, locked):
        raise ActionForbidden("Your role doesn't allow this action on this case.")
    return locked


def case_update_details(
    *,
    case: Case,
    by: User,
    poster: User | None,
    poster_handle: str,
    principles: Iterable[Principle],
    triage_summary: str,
    note: str = "",
    seen_revision: int | None = None,
) -> Case:
    """Record who posted, the principles at stake and the triage summary."""
    with transaction.atomic():
        locked = _guarded_change(
            case=case, by=by, action="update_details", seen_revision=seen_revision
        )
        if locked.state not in (CaseState.NEW, CaseState.TRIAGE):
            raise ActionNotAllowed(
                "Triage details can only be changed while the case is new or in triage."
            )
        principles = list(principles)
        changes = []
        if locked.poster_id != (poster.pk if poster else None):
            changes.append(f"poster: {poster or 'not identified'}")
        if locked.poster_handle != poster_handle.strip():
            changes.append(f"handle: {poster_handle.strip() or 'none'}")
        if set(locked.principles.values_list("pk", flat=True)) != {p.pk for p in principles}:
            changes.append("principles: " + (", ".join(p.title for p in principles) or "none"))
        if locked.triage_summary != triage_summary.strip():
            changes.append("triage summary updated")
        if not changes:
            return locked
        locked.poster = poster
        locked.directorate_id = directorate_of(poster)
        locked.poster_handle = poster_handle.strip()
        locked.triage_summary = triage_summary.strip()
        locked.save(
            update_fields=["poster", "directorate", "poster_handle", "triage_summary", "updated_at"]
        )
        locked.principles.set(principles)
        case_subject_key_follow(case=locked)
        _bump(locked)
        _event(
            locked,
            by=by,
            kind=EventKind.DETAILS_UPDATED,
            action="update_details",
            note="; ".join(changes) + (f". {note.strip()}" if note.strip() else ""),
        )
        cases_changed([locked.pk])
    return locked


def case_subject_key_follow(*, case: Case) -> None:
    """Give a case the subject key its poster already has, if any of their cases carries one.

    Once any case about a person has had its personal details removed, every case about
    them carries one opaque ``subject_key`` (``records.services.case_anonymise``) and the
    repeat-subject figure counts the person by it. Call wherever a case gets its poster, so
    a later case about the same person is still counted as the same person.
    """
    if case.poster_id is None or case.subject_key is not None:
        return
    key = (
        Case.objects.filter(poster_id=case.poster_id, subject_key__isnull=False)
        .values_list("subject_key", flat=True)
        .first()
    )
    if key is not None:
        Case.objects.filter(pk=case.pk).update(subject_key=key)
        case.subject_key = key


def case_flag_set(
    *,
    case: Case,
    by: User,
    flag: Flag,
    raised: bool,
    note: str,
    became_aware_at: dt.datetime | None = None,
    seen_revision: int | None = None,
) -> Case:
    """Raise or clear a flag. Flags never change the state."""
    if not note.strip():
        raise ActionNotAllowed("A note is required: say why.")
    field = FLAG_FIELDS[flag]
    with transaction.atomic():
        locked = _guarded_change(case=case, by=by, action="set_flag", seen_revision=seen_revision)
        if getattr(locked, field) == raised:
            raise ActionNotAllowed(
                f"“{Flag(flag).label}” is already {'raised' if raised else 'cleared'}."
            )
        setattr(locked, field, raised)
        fields = [field, "updated_at"]
        if flag == Flag.SAFEGUARDING and raised:
            locked.safeguarding_flagged_at = timezone.now()
            fields.append("safeguarding_flagged_at")
        if flag == Flag.DATA_BREACH and raised:
            # The 72-hour clock runs from when the organisation became aware.
            locked.data_breach_aware_at = became_aware_at or timezone.now()
            fields.append("data_breach_aware_at")
        locked.save(update_fields=fields)
        _bump(locked)
        _event(
            locked,
            by=by,
            kind=EventKind.FLAG_CHANGED,
            action="set_flag",
            note=f"{Flag(flag).label}: {'raised' if raised else 'cleared'}. {note.strip()}",
        )
        deadlines_for_flag(case=locked, flag=flag, raised=raised, at=timezone.now())
        if raised:
            notify_flag(case=locked, flag=flag, actor=by)
        cases_changed([locked.pk])
    return locked


def case_flag_respond(
    *,
    case: Case,
    by: User,
    flag: Flag,
    note: str,
    reported_to_ico: bool | None = None,
    seen_revision: int | None = None,
) -> Case:
    """The specialist lead records their response to a safeguarding or data-breach flag; its clock stops."""
    if not note.strip():
        raise ActionNotAllowed("Say what was done.")
    if flag not in (Flag.SAFEGUARDING, Flag.DATA_BREACH):
        raise ActionNotAllowed("Only safeguarding and data-breach flags have a response to record.")
    with transaction.atomic():
        locked = _guarded_change(
            case=case, by=by, action="respond_to_flag", seen_revision=seen_revision
        )
        now = timezone.now()
        if flag == Flag.SAFEGUARDING:
            if not locked.flag_safeguarding or not by.has_role(Role.SAFEGUARDING_LEAD):
                raise ActionForbidden("Only the safeguarding lead responds to a safeguarding flag.")
            locked.safeguarding_responded_at = now
            fields = ["safeguarding_responded_at", "updated_at"]
            outcome = ""
        else:
            if not locked.flag_data_breach or not by.has_role(Role.IG_LEAD):
                raise ActionForbidden(
                    "Only the information governance lead assesses a data breach."
                )
            if reported_to_ico is None:
                raise ActionNotAllowed("Say whether the breach was reported to the ICO.")
            locked.data_breach_assessed_at = now
            locked.data_breach_reported_to_ico = reported_to_ico
            fields = ["data_breach_assessed_at", "data_breach_reported_to_ico", "updated_at"]
            outcome = " Reported to the ICO." if reported_to_ico else " Not reportable to the ICO."
        locked.save(update_fields=fields)
        _bump(locked)
        _event(
            locked,
            by=by,
            kind=EventKind.FLAG_CHANGED,
            action="respond_to_flag",
            note=f"Response to “{Flag(flag).label}”.{outcome} {note.strip()}",
        )
        deadlines_for_flag_response(case=locked, flag=flag, at=now)
        cases_changed([locked.pk])
    return locked


def case_link_handle(
    *,
    case: Case,
    by: User,
    handle: str,
    user: User,
    note: str = "",
    seen_revision: int | None = None,
) -> HandleLink:
    """Record that a handle belongs to a member of staff (and so links their cases)."""
    normalised = handle_normalise(handle)
    if not normalised:
        raise ActionNotAllowed("Give the handle or pseudonym.")
    with transaction.atomic():
        locked = _guarded_change(
            case=case, by=by, action="link_handle", seen_revision=seen_revision
        )
        existing = HandleLink.objects.filter(handle=normalised).first()
        if existing is not None and existing.user_id != user.pk:
            raise ActionNotAllowed(f"@{normalised} is already linked to {existing.user}.")
        link = existing or HandleLink.objects.create(handle=normalised, user=user, linked_by=by)
        _bump(locked)
        _event(
            locked,
            by=by,
            kind=EventKind.HANDLE_LINKED,
            action="link_handle",
            note=f"@{normalised} linked to {user}. {note.strip()}".strip(),
        )
    return link


def case_note_add(*, case: Case, by: User, note: str) -> CaseEvent:
    if not note.strip():
        raise ActionNotAllowed("The note is empty.")
    with transaction.atomic():
        locked = _guarded_change(case=case, by=by, action="add_note", seen_revision=None)
        _bump(locked)
        return _event(locked, by=by, kind=EventKind.NOTE, action="add_note", note=note.strip())


# --- Reads ---------------------------------------------------------------------


# The case page lists this many related cases; the rest are on their own page.
RELATED_SHOWN = 10


def related_case_ids(*, case: Case) -> list[int]:
    """The ids of other cases about anyone this case is about: by person, by handle, or by a handle linked to them.

    One indexed lookup for each way of naming (the poster on cases, the poster on reports, the
    handle on cases, the handle on reports, each handle also through the people it is linked
    to), put together with UNION: an OR of them across the cases-reports join would have the
    database test every case in the table. The answer is a person's own cases, a few hundred at
    most, read once as a list, so what is done with it goes by primary key.
    """
    people = sorted(access.people_case_is_about(case))
    keys = sorted(
        {case.poster_handle_key, *(report.poster_handle_key for report in case.reports.all())}
        - {""}
    )
    lookups: list[QuerySet] = []
    if people:
        linked = HandleLink.objects.filter(user_id__in=people).values("handle")
        lookups += [
            Case.objects.filter(poster_id__in=people).values("pk"),
            Report.objects.filter(poster_id__in=people).values("case_id"),
            Case.objects.filter(poster_handle_key__in=linked).values("pk"),
            Report.objects.filter(poster_handle_key__in=linked).values("case_id"),
        ]
    if keys:
        lookups += [
            Case.objects.filter(poster_handle_key__in=keys).values("pk"),
            Report.objects.filter(poster_handle_key__in=keys).values("case_id"),
        ]
    if not lookups:
        return []
    first, *others = [lookup.order_by() for lookup in lookups]
    ids = {row["pk"] for row in first.union(*others)}
    return sorted(ids - {case.pk, None})


def related_cases_all(*, case: Case, viewer: User) -> QuerySet[Case]:
    """Other cases about anyone this case is about (see ``related_case_ids``), newest first.

    Never a case about the viewer (``casework.access`` keeps them out of every scope).
    """
    return access.without_cases_about(
        viewer, Case.objects.filter(pk__in=related_case_ids(case=case))
    ).order_by("-created_at", "-pk")


def related_cases(*, case: Case, viewer: User) -> list[Case]:
    """The newest related cases (see ``related_cases_all``), as many as the case page shows."""
    return list(related_cases_all(case=case, viewer=viewer)[:RELATED_SHOWN])
