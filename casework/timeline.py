"""Writing a line of a case's timeline, with its audit row.

``case_event_record`` is the one way a timeline line is written by the
services (casework, intake): it creates the ``CaseEvent`` and, in the same
transaction, the audit trail's structured row for it, so the two commit or
roll back together and the service that writes the line can be read to see
both. Only the facts go to the trail (kind, action, states, report); the
note stays in the timeline.
"""

from __future__ import annotations

from audit.models import AuditKind
from audit.services import audit_record
from casework.models import Case, CaseEvent, EventKind
from directory.models import User
from incidents.models import Report


def case_event_audit(event: CaseEvent) -> None:
    """The audit row for a timeline line just written. Call inside the same transaction."""
    detail: dict[str, object] = {"event": event.kind}
    if event.action:
        detail["action"] = event.action
    if event.from_state and event.from_state != event.to_state:
        detail["from"] = event.from_state
    if event.to_state:
        detail["to"] = event.to_state
    if event.report is not None:
        detail["report"] = event.report.reference
    audit_record(kind=AuditKind.CASE_EVENT, actor=event.actor, case=event.case, detail=detail)


def case_event_record(
    *,
    case: Case,
    kind: EventKind,
    actor: User | None,
    note: str,
    action: str = "",
    from_state: str = "",
    to_state: str | None = None,
    report: Report | None = None,
) -> CaseEvent:
    """Write one timeline line and its audit row."""
    event = CaseEvent.objects.create(
        case=case,
        kind=kind,
        action=action,
        actor=actor,
        from_state=from_state,
        to_state=case.state if to_state is None else to_state,
        note=note,
        report=report,
    )
    case_event_audit(event)
    return event
