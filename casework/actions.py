"""The actions a user can take on a case: their label, form and service.

The case page lists the actions ``allowed_actions`` returns, so a template
never calls a transition (rule 13) and never shows a button that would fail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django_fsm import can_proceed

from casework import forms, services
from casework.access import may
from casework.models import Case, CaseState
from directory.models import User


@dataclass(frozen=True)
class ActionSpec:
    name: str
    label: str
    form_class: type[forms.CaseActionForm]
    service: Callable[..., object]
    help: str
    transition: bool = True
    # Forward steps get the main button; closing, reopening and side actions a quieter one.
    primary: bool = True


ACTION_SPECS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in [
        ActionSpec("start_triage", "Start triage", forms.CaseActionForm, services.case_triage_start,
                   "Take the case into triage: check the reports, identify who posted and what is at stake."),
        ActionSpec("update_details", "Update triage details", forms.DetailsForm, services.case_update_details,
                   "Record who posted, the principles at stake and a summary for the line manager.",
                   transition=False, primary=False),
        ActionSpec("route_to_manager", "Route to the line manager", forms.CaseActionForm,
                   services.case_route_to_manager,
                   "Send the case to the line manager of the person who posted, for their review."),
        ActionSpec("dismiss", "Dismiss", forms.DismissForm, services.case_dismiss,
                   "Close the case at triage: no breach, not enough information, or a duplicate of another case.",
                   primary=False),
        ActionSpec("escalate", "Straight to investigation", forms.CaseActionForm, services.case_escalate,
                   "For serious cases such as patient confidentiality or possible gross misconduct."),
        ActionSpec("resolve_informally", "Resolve informally", forms.ResolveInformallyForm,
                   services.case_resolve_informally, "Close the case after dealing with it yourself."),
        ActionSpec("request_investigation", "Ask HR for a formal investigation", forms.CaseActionForm,
                   services.case_request_investigation, "Pass the case to HR for a formal investigation."),
        ActionSpec("assign", "Assign investigator and decision maker", forms.AssignForm, services.case_assign,
                   "Neither may be the reporter, the person who posted, or in their line of management."),
        ActionSpec("submit_findings", "Submit findings", forms.FindingsForm, services.case_submit_findings,
                   "Terms of reference, evidence, interviews, a finding on each principle and a recommendation."),
        ActionSpec("record_outcome", "Record the outcome", forms.OutcomeForm, services.case_record_outcome,
                   "The decision under the Disciplinary Policy, its rationale and the appeal deadline."),
        ActionSpec("reopen", "Reopen", forms.ReopenForm, services.case_reopen,
                   "Back to triage, on appeal or because of new evidence.", primary=False),
        ActionSpec("set_flag", "Raise or clear a flag", forms.FlagForm, services.case_flag_set,
                   "Flags bring in a specialist without stopping the case.", transition=False, primary=False),
        ActionSpec("respond_to_flag", "Record your response to a flag", forms.FlagResponseForm,
                   services.case_flag_respond,
                   "What you did about a safeguarding concern or a data breach; this stops its clock.",
                   transition=False),
        ActionSpec("link_handle", "Link a handle to a member of staff", forms.LinkHandleForm,
                   services.case_link_handle, "Cases about that handle become related to the person.",
                   transition=False, primary=False),
        ActionSpec("add_note", "Add a note", forms.NoteForm, services.case_note_add,
                   "A note in the case timeline.", transition=False, primary=False),
    ]
}

_DETAIL_STATES = (CaseState.NEW, CaseState.TRIAGE)


def action_available(user: User, case: Case, name: str) -> bool:
    """The user's role allows it and the case's state admits it (details are checked on submit)."""
    spec = ACTION_SPECS.get(name)
    if not may(user, name, case):
        return False
    if spec is None or spec.transition:
        # Withdrawing is a transition too, taken from the reporter's own report page.
        method = getattr(case, name, None)
        return hasattr(method, "_django_fsm") and can_proceed(method, check_conditions=False)
    if name == "update_details":
        return case.state in _DETAIL_STATES
    if name == "respond_to_flag":
        return (case.flag_safeguarding and case.safeguarding_responded_at is None) or (
            case.flag_data_breach and case.data_breach_assessed_at is None
        )
    return True


def allowed_actions(user: User, case: Case) -> list[ActionSpec]:
    return [spec for name, spec in ACTION_SPECS.items() if action_available(user, case, name)]
