"""Revealing a confidential reporter to someone the access rules let know them, on the record."""

from __future__ import annotations

from django.http import HttpRequest

from audit.models import AuditEvent, AuditKind
from audit.services import audit_record
from casework.access import may_see_reporter, visible_cases
from directory.models import User
from incidents.models import Report


class RevealNotAllowed(Exception):
    pass


REVEAL_REASON_MIN = 10


def reporter_reveal(
    *, by: User, report: Report, reason: str, request: HttpRequest | None = None
) -> AuditEvent:
    """Record that ``by`` chose to see who made a confidential report, and why."""
    case = report.case
    allowed = (
        report.confidential
        and may_see_reporter(by, case, report)
        and visible_cases(by).filter(pk=case.pk).exists()
    )
    if not allowed:
        raise RevealNotAllowed("There is no confidential reporter here that your role may know.")
    reason = reason.strip()
    if len(reason) < REVEAL_REASON_MIN:
        raise RevealNotAllowed("Give a reason for revealing the reporter's name.")
    return audit_record(
        kind=AuditKind.REPORTER_REVEALED,
        actor=by,
        case=case,
        detail={"report": report.reference, "reason": reason},
        request=request,
    )
