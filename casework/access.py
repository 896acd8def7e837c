"""Who may see what. Every view and query about cases asks this module.

Two questions, answered in one place so they never drift apart: which cases
(and which reports and evidence) a user may see, and whether they may take a
given action on a given case. A case a user may not see is answered with 404,
exactly as if it did not exist.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from casework.models import Case, CaseState
from directory.models import Role, User
from incidents.models import EvidenceFile, Report

OPEN_STATES = [state for state in CaseState.values if state != CaseState.CLOSED]


def visible_cases(user: User) -> QuerySet[Case]:
    """The cases a user may open as a case (not as a reporter)."""
    if not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    if user.has_role(Role.HR_LEAD):
        scope = Q()
    elif user.has_role(Role.TRIAGE_OFFICER):
        scope = Q(state__in=[CaseState.NEW, CaseState.TRIAGE])
    else:
        return Case.objects.none()
    # Whoever posted never sees a case about themselves, whatever role they hold.
    about_them = Report.objects.filter(poster=user).values("case_id")
    return Case.objects.filter(scope).exclude(pk__in=about_them)


def visible_reports_as_reporter(user: User) -> QuerySet[Report]:
    """A reporter's own reports: the only way a reporter reaches a case."""
    if not user.is_authenticated or not user.is_active:
        return Report.objects.none()
    return Report.objects.filter(reporter=user)


def visible_evidence_files(user: User) -> QuerySet[EvidenceFile]:
    """Files on the user's own reports, and files on any case they may see."""
    if not user.is_authenticated or not user.is_active:
        return EvidenceFile.objects.none()
    return EvidenceFile.objects.filter(Q(report__reporter=user) | Q(report__case__in=visible_cases(user)))


def may_add_evidence(user: User, report: Report) -> bool:
    return report.reporter_id == user.pk and report.case.state != CaseState.CLOSED
