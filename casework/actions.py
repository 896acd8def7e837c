"""Every action a user can take on a case, each declared once.

A declaration says everything about an action that isn't its service's own
steps: its label and help, its form, who may take it (a rule from
``casework.access``), whether it runs the transition of the same name on
``Case``, the deadline clocks it meets and opens, who hears about it (a
notice from ``casework.notices``), and whether its timeline note is for HR
only. The services, the access rules, the clocks, the notices, the summaries
and the demo history all read these declarations, so adding an action is one
declaration here, its service and its form.

The case page lists the actions ``allowed_actions`` returns, so a template
never calls a transition (rule 13) and never shows a button that would fail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django_fsm import can_proceed

from casework import access, forms, notices, services
from casework.models import Case, CaseState
from deadlines.models import Clock
from directory.models import User

Rule = Callable[[User, Case], bool]


@dataclass(frozen=True)
class CaseAction:
    name: str
    label: str
    help: str
    form_class: type[forms.CaseActionForm]
    service: Callable[..., object]
    rule: Rule
    # What the person is told once it is done, as a sentence.
    done: str
    # True: runs the FSM transition called ``name`` on Case; False: a change beside the state.
    transition: bool = True
    # Forward steps get the main button; closing, reopening and side actions a quieter one.
    primary: bool = True
    meets: tuple[Clock, ...] = ()
    opens: tuple[Clock, ...] = ()
    notify: Callable[..., None] | None = None
    # Closing a case tells its reporters; a reporter who withdraws needs no telling.
    tells_reporters_closed: bool = True
    # How the investigation was staffed and run: left out of the line manager's summary.
    note_for_hr_only: bool = False
    # Listed on the case page; withdrawing is offered on the reporter's own report page instead.
    on_case_page: bool = True


_DECLARED = [
    CaseAction(
        "withdraw",
        "Withdraw the report",
        "Take back a report nobody has started looking at.",
        forms.CaseActionForm,
        services.case_withdraw,
        access.reported_every_report,
        "Your report has been withdrawn and its case closed.",
        primary=False,
        tells_reporters_closed=False,
        on_case_page=False,
    ),
    CaseAction(
        "start_triage",
        "Start triage",
        "Take the case into triage: check the reports, identify who posted and what is at stake.",
        forms.CaseActionForm,
        services.case_triage_start,
        access.triage_officer,
        "Triage has started on this case.",
        meets=(Clock.TRIAGE_START,),
        opens=(Clock.TRIAGE_COMPLETE,),
    ),
    CaseAction(
        "update_details",
        "Update triage details",
        "Record who posted, the principles at stake and a summary for the line manager.",
        forms.DetailsForm,
        services.case_update_details,
        access.triage_or_hr_lead,
        "The triage details have been saved.",
        transition=False,
        primary=False,
    ),
    CaseAction(
        "route_to_manager",
        "Route to the line manager",
        "Send the case to the line manager of the person who posted, for their review.",
        forms.CaseActionForm,
        services.case_route_to_manager,
        access.triage_officer,
        "The case has been sent to the line manager for their review.",
        meets=(Clock.TRIAGE_COMPLETE,),
        opens=(Clock.MANAGER_DECISION,),
        notify=notices.tell_line_manager_routed,
    ),
    CaseAction(
        "dismiss",
        "Dismiss",
        "Close the case at triage: no breach, not enough information, or a duplicate of another case.",
        forms.DismissForm,
        services.case_dismiss,
        access.triage_officer,
        "The case has been dismissed and closed.",
        primary=False,
        meets=(Clock.TRIAGE_COMPLETE,),
    ),
    CaseAction(
        "escalate",
        "Straight to investigation",
        "For serious cases such as patient confidentiality or possible gross misconduct.",
        forms.CaseActionForm,
        services.case_escalate,
        access.hr_lead,
        "The case has gone straight to investigation.",
        meets=(Clock.TRIAGE_COMPLETE,),
        opens=(Clock.INVESTIGATION,),
        notify=notices.tell_hr_leads_escalated,
    ),
    CaseAction(
        "resolve_informally",
        "Resolve informally",
        "Close the case after dealing with it yourself.",
        forms.ResolveInformallyForm,
        services.case_resolve_informally,
        access.case_line_manager,
        "The case has been resolved informally and closed.",
        meets=(Clock.MANAGER_DECISION,),
    ),
    CaseAction(
        "request_investigation",
        "Ask HR for a formal investigation",
        "Pass the case to HR for a formal investigation.",
        forms.CaseActionForm,
        services.case_request_investigation,
        access.case_line_manager,
        "You have asked HR for a formal investigation.",
        meets=(Clock.MANAGER_DECISION,),
        opens=(Clock.INVESTIGATION,),
        notify=notices.tell_hr_leads_investigation_requested,
    ),
    CaseAction(
        "assign",
        "Assign investigator and decision maker",
        "Neither may be the reporter, the person who posted, or in their line of management.",
        forms.AssignForm,
        services.case_assign,
        access.hr_lead,
        "The investigator and the decision maker have been assigned.",
        notify=notices.tell_team_assigned,
        note_for_hr_only=True,
    ),
    CaseAction(
        "submit_findings",
        "Submit findings",
        "Terms of reference, evidence, interviews, a finding on each principle and a recommendation.",
        forms.FindingsForm,
        services.case_submit_findings,
        access.assigned_investigator,
        "Your findings have been sent to the decision maker.",
        meets=(Clock.INVESTIGATION,),
        opens=(Clock.DECISION,),
        notify=notices.tell_decision_maker_findings,
        note_for_hr_only=True,
    ),
    CaseAction(
        "record_outcome",
        "Record the outcome",
        "The decision under the Disciplinary Policy, its rationale and the appeal deadline.",
        forms.OutcomeForm,
        services.case_record_outcome,
        access.assigned_decision_maker,
        "The outcome has been recorded and the case closed.",
        meets=(Clock.DECISION,),
        notify=notices.tell_line_manager_outcome,
    ),
    CaseAction(
        "reopen",
        "Reopen",
        "Back to triage, on appeal or because of new evidence.",
        forms.ReopenForm,
        services.case_reopen,
        access.hr_lead,
        "The case has been reopened and is back at triage.",
        primary=False,
        opens=(Clock.TRIAGE_COMPLETE,),
        notify=notices.tell_triage_reopened,
    ),
    # Flags start and stop their own hour clocks (``deadlines_for_flag``): which clock follows the flag.
    CaseAction(
        "set_flag",
        "Raise or clear a flag",
        "Flags bring in a specialist without stopping the case.",
        forms.FlagForm,
        services.case_flag_set,
        access.triage_or_hr_lead,
        "The flag has been updated.",
        transition=False,
        primary=False,
    ),
    CaseAction(
        "respond_to_flag",
        "Record your response to a flag",
        "What you did about a safeguarding concern or a data breach; this stops its clock.",
        forms.FlagResponseForm,
        services.case_flag_respond,
        access.flag_owner_with_open_flag,
        "Your response to the flag has been recorded.",
        transition=False,
        note_for_hr_only=True,
    ),
    CaseAction(
        "link_handle",
        "Link a handle to a member of staff",
        "Cases about that handle become related to the person.",
        forms.LinkHandleForm,
        services.case_link_handle,
        access.triage_or_hr_lead,
        "The handle has been linked to the member of staff.",
        transition=False,
        primary=False,
        note_for_hr_only=True,
    ),
    CaseAction(
        "add_note",
        "Add a note",
        "A note in the case timeline.",
        forms.NoteForm,
        services.case_note_add,
        access.may_note,
        "Your note has been added to the timeline.",
        transition=False,
        primary=False,
        note_for_hr_only=True,
    ),
]

ACTIONS: dict[str, CaseAction] = {declared.name: declared for declared in _DECLARED}
# What the case page offers, in this order.
ACTION_SPECS: dict[str, CaseAction] = {
    name: declared for name, declared in ACTIONS.items() if declared.on_case_page
}
HR_ONLY_NOTES: frozenset[str] = frozenset(
    name for name, declared in ACTIONS.items() if declared.note_for_hr_only
)

# Kept for the name the case page and its tests know the declarations by.
ActionSpec = CaseAction

_DETAIL_STATES = (CaseState.NEW, CaseState.TRIAGE)


def transition_target(name: str) -> str:
    """The state the transition ``name`` leaves a case in (every one has a single target)."""
    method = getattr(Case, name)
    [target] = {transition.target for transition in method._django_fsm.transitions.values()}
    return str(target)


def action_available(user: User, case: Case, name: str) -> bool:
    """The user's role allows it and the case's state admits it (details are checked on submit)."""
    declared = ACTIONS.get(name)
    if declared is None or not access.may(user, name, case):
        return False
    if declared.transition:
        return can_proceed(getattr(case, name), check_conditions=False)
    if name == "update_details":
        return case.state in _DETAIL_STATES
    if name == "respond_to_flag":
        return (case.flag_safeguarding and case.safeguarding_responded_at is None) or (
            case.flag_data_breach and case.data_breach_assessed_at is None
        )
    return True


def allowed_actions(user: User, case: Case) -> list[CaseAction]:
    return [
        declared for name, declared in ACTION_SPECS.items() if action_available(user, case, name)
    ]
