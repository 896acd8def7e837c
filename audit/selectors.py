"""Reading the trail: a case's access history, the filtered log, and each row in words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from audit.models import AuditEvent, AuditKind
from audit.services import username_fingerprint
from casework.access import case_ids_about_read
from casework.models import Case, CaseState, EventKind
from directory.models import User
from incidents.models import Report
from kit.paging import any_of
from summaries.models import SummaryVariant

_PAGES = {
    "case": "Viewed the case page",
    "investigation": "Viewed the investigation workspace",
    "timeline": "Viewed the case's whole timeline",
    "reports": "Viewed every report of the case",
    "related": "Viewed the case's related cases",
    "access_history": "Viewed the case's access history",
    "audit_log": "Viewed the audit trail",
    "admin_case": "Viewed the case in the admin",
    "admin_case_history": "Viewed the case's change history in the admin",
    "admin_report": "Viewed a report of the case in the admin",
    "admin_report_history": "Viewed the change history of a report of the case in the admin",
    "admin_evidence": "Viewed an evidence file's details in the admin",
    "admin_evidence_history": "Viewed the change history of an evidence file in the admin",
    "admin_case_list": "Viewed a list of cases in the admin",
    "admin_report_list": "Viewed a list of reports in the admin",
    "admin_evidence_list": "Viewed a list of evidence files in the admin",
}
_EXPORTS = {
    "table": "Downloaded a governance table as CSV",
    "all_tables": "Downloaded all governance tables (zip)",
    "committee_pack": "Downloaded a committee pack (PDF)",
}


def _label(choices: type, value: object) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def audit_describe(event: AuditEvent) -> str:
    """What happened, in a line, from the row's structured detail."""
    detail = event.detail if isinstance(event.detail, dict) else {}
    kind = event.kind
    if kind == AuditKind.CASE_EVENT:
        what = _label(EventKind, detail.get("event", ""))
        if detail.get("from"):
            what += (
                f": {_label(CaseState, detail['from'])} → {_label(CaseState, detail.get('to', ''))}"
            )
        if detail.get("report"):
            what += f" (report {detail['report']})"
        return what
    if kind in (AuditKind.CASE_VIEWED, AuditKind.AUDIT_VIEWED):
        return _PAGES.get(str(detail.get("page", "")), event.get_kind_display())
    if kind == AuditKind.EVIDENCE_DOWNLOADED:
        return f"Downloaded evidence file {detail.get('file', '')} of report {detail.get('report', '')}"
    if kind == AuditKind.SUMMARY_DOWNLOADED:
        variant = _label(SummaryVariant, detail.get("variant", ""))
        return f"Downloaded the {variant.lower()} (case revision {detail.get('revision', '')})"
    if kind == AuditKind.GOVERNANCE_EXPORT_DOWNLOADED:
        what = _EXPORTS.get(str(detail.get("export", "")), event.get_kind_display())
        if detail.get("table"):
            what += f" “{detail['table']}”"
        if detail.get("from") and detail.get("to"):
            what += f", {detail['from']} to {detail['to']}"
        return what
    if kind == AuditKind.REPORTER_REVEALED:
        return f"Revealed the reporter of {detail.get('report', '')}. Reason given: {detail.get('reason', '')}"
    if kind == AuditKind.ACCESS_REFUSED:
        answer = "not found or not allowed" if detail.get("status") == 404 else "not allowed"
        return f"Refused ({detail.get('status', '')}, {answer}): {detail.get('method', '')} {detail.get('path', '')}"
    return event.get_kind_display()


def case_access_history(case: Case) -> QuerySet[AuditEvent]:
    """Everything recorded about one case, newest first."""
    return AuditEvent.objects.filter(case=case).select_related("actor").order_by("-seq")


def confidential_reporter_pairs(events: list[AuditEvent]) -> set[tuple[int, int]]:
    """(case, person) pairs among these rows where the person reported that case in confidence.

    Whoever reads the trail sees such a row without the person's name, so the
    trail can't be used to find out who reported a case in confidence.
    """
    case_ids = {event.case_id for event in events if event.case_id}
    actor_ids = {event.actor_id for event in events if event.actor_id}
    if not case_ids or not actor_ids:
        return set()
    return set(
        Report.objects.filter(
            case_id__in=case_ids, reporter_id__in=actor_ids, confidential=True
        ).values_list("case_id", "reporter_id")
    )


# Failed sign-ins and reset requests carry no actor, only a fingerprint of the username tried.
SIGN_IN_KINDS = (
    AuditKind.SIGN_IN_FAILED,
    AuditKind.LOCKED_OUT,
    AuditKind.PASSWORD_RESET_REQUESTED,
)


@dataclass(frozen=True)
class LogFilters:
    kind: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    person: User | None = None
    person_email: str = ""
    case_reference: str = ""


# The trail reads newest first; the row number settles rows written in the same instant.
LOG_SORT = ("-at", "-seq")


def audit_log_arms(filters: LogFilters, *, viewer: User) -> tuple[QuerySet[AuditEvent], list[Q]]:
    """The trail as ``viewer`` may read it, with the arms it is read by (see ``kit.paging``).

    A search for a person is their own rows *or* the failed sign-ins with their email address:
    each arm is served by its own index in order, where the OR of the two would have the
    database collect and sort every one of the person's rows to show the first fifty.
    """
    events = AuditEvent.objects.select_related("actor")
    about_viewer = case_ids_about_read(viewer)
    if about_viewer:
        events = events.exclude(case_id__in=about_viewer)
    if filters.kind:
        events = events.filter(kind=filters.kind)
    if filters.start:
        events = events.filter(at__gte=_day_start(filters.start))
    if filters.end:
        events = events.filter(at__lt=_day_start(filters.end + dt.timedelta(days=1)))
    if filters.case_reference:
        events = events.filter(case_reference__iexact=filters.case_reference)
    if not filters.person_email:
        return events, []
    # A person's rows on a case they reported in confidence stay out of a search for them:
    # showing the rows with the name hidden would still say who it was.
    confidential = Report.objects.filter(
        case_id=OuterRef("case_id"), reporter_id=OuterRef("actor_id"), confidential=True
    )
    events = events.exclude(Exists(confidential))
    tried = Q(
        kind__in=SIGN_IN_KINDS,
        detail__username_sha256=username_fingerprint(filters.person_email),
    )
    if filters.person is None:
        return events.filter(tried), []
    return events, [Q(actor=filters.person), tried & ~Q(actor=filters.person)]


def audit_log(filters: LogFilters, *, viewer: User) -> QuerySet[AuditEvent]:
    """The trail as ``viewer`` may read it: everything but the rows of a case about the viewer."""
    events, arms = audit_log_arms(filters, viewer=viewer)
    return events.filter(any_of(arms)).order_by(*LOG_SORT)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
