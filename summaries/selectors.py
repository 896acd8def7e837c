"""Build the data of a case summary for one audience.

Everything an audience may not see is left out or replaced here, before the
renderer sees it: a confidential reporter (and, in the employee's bundle,
every reporter) becomes "Withheld — confidential" in every summary, the full
one included — a printed page can't be un-printed, and on screen even HR
sees the name only after choosing to reveal it; the manager's summary has
no HR-only notes and no investigation working papers; the employee's bundle
holds the allegations and the evidence, and nothing of the deliberation.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from casework.access import confidential_reporters
from casework.actions import HR_ONLY_NOTES
from casework.models import Case, CaseEvent, EventKind
from directory.models import User
from incidents.links import link_for_reader
from incidents.models import EvidenceFile, Report
from summaries.data import (
    DeadlineItem,
    EventItem,
    EvidenceFileItem,
    EvidenceLinkItem,
    FindingItem,
    Person,
    PrincipleItem,
    ReportItem,
    SummaryData,
    Variant,
)

if TYPE_CHECKING:
    from deadlines.models import Deadline

WITHHELD = "Withheld — confidential"
_IMAGE_TYPES = {"image/png", "image/jpeg"}


def _name(user: User | None) -> str:
    if user is None:
        return "Flagpost"
    return user.get_full_name() or user.email


def _hidden_reporters(case: Case, variant: str) -> set[int]:
    if variant == Variant.EMPLOYEE:
        return {report.reporter_id for report in case.reports.all()}
    return set(confidential_reporters(case))


def _who(user: User | None, hidden: set[int]) -> str:
    return WITHHELD if user is not None and user.pk in hidden else _name(user)


def _deadline_status(deadline: Deadline, now: dt.datetime) -> str:
    if deadline.met_at:
        return "Met" if deadline.met_at <= deadline.due_at else "Met late"
    if deadline.cancelled_at:
        return "Not needed"
    return "Overdue" if deadline.due_at < now else "Open"


def _event_what(event: CaseEvent) -> str:
    what = event.get_kind_display()
    if (
        event.kind == EventKind.TRANSITION
        and event.from_state
        and event.from_state != event.to_state
    ):
        what += f": {event.get_from_state_display()} → {event.get_to_state_display()}"
    return what


def _file_bytes(evidence: EvidenceFile) -> bytes | None:
    if evidence.content_type not in _IMAGE_TYPES:
        return None
    try:
        with evidence.file.open("rb") as handle:
            return handle.read()
    except OSError:
        return None  # listed with its fingerprint even if the bytes can't be read


def summary_data_for(*, case: Case, variant: str, viewer: User, now: dt.datetime) -> SummaryData:
    case = (
        Case.objects.select_related(
            "poster__line_manager", "line_manager", "investigator", "decision_maker", "triaged_by"
        )
        .prefetch_related(
            "reports__reporter",
            "reports__links__added_by",
            "reports__files__added_by",
            "principles__investigated_under",
            "principles__version__policy",
            "policy_versions__policy",
            "findings__principle",
            "events__actor",
            "deadlines",
        )
        .get(pk=case.pk)
    )
    hidden = _hidden_reporters(case, variant)
    reports: list[Report] = list(case.reports.all())
    employee = variant == Variant.EMPLOYEE
    manager = variant == Variant.MANAGER

    people = [
        Person(
            "Person who posted",
            _name(case.poster) if case.poster else (case.poster_handle or "Not identified"),
        )
    ]
    people += [
        Person(f"Reporter ({report.reference})", _who(report.reporter, hidden))
        for report in reports
    ]
    if not employee:
        people += [
            Person(
                "Line manager",
                _name(case.line_manager or (case.poster.line_manager if case.poster else None))
                if (case.line_manager or case.poster)
                else "Not known",
            ),
            Person(
                "Investigator", _name(case.investigator) if case.investigator else "Not assigned"
            ),
            Person(
                "Decision maker",
                _name(case.decision_maker) if case.decision_maker else "Not assigned",
            ),
        ]

    timeline: list[EventItem] = []
    if not employee:
        for event in case.events.all():
            note = event.note
            if manager and event.action in HR_ONLY_NOTES:  # as each action's declaration says
                note = ""
            timeline.append(
                EventItem(
                    at=event.at, actor=_who(event.actor, hidden), what=_event_what(event), note=note
                )
            )

    def versions() -> tuple[str, ...]:
        labels = []
        for version in case.policy_versions.all():
            label = f"{version.policy.title}, version {version.version}"
            if version.expires_on:
                label += f" ({'expired' if version.is_expired(today=now.date()) else 'expires'} "
                label += f"{version.expires_on:%-d %B %Y})"
            labels.append(label)
        return tuple(labels)

    return SummaryData(
        variant=variant,
        variant_label=Variant.LABELS[variant],
        reference=case.reference,
        state=case.get_state_display(),
        generated_at=now,
        generated_for=_name(viewer),
        opened_at=case.created_at,
        closed_at=case.closed_at,
        policy_versions=versions(),
        flags=tuple(flag.label for flag in case.active_flags) if not employee else (),
        deadlines=tuple(
            DeadlineItem(
                what=d.get_clock_display(), due_at=d.due_at, status=_deadline_status(d, now)
            )
            for d in case.deadlines.all()
        )
        if not employee
        else (),
        people=tuple(people),
        reports=tuple(
            ReportItem(
                reference=report.reference,
                platform=report.get_platform_display(),
                seen_at=report.seen_at,
                posted_at=report.posted_at,
                submitted_at=report.submitted_at,
                reporter=_who(report.reporter, hidden),
                description=report.description,
                links=tuple(link_for_reader(link.url) for link in report.links.all()),
                shows_patient=report.get_shows_patient_display(),
                welfare_risk=report.get_welfare_risk_display(),
            )
            for report in reports
        ),
        principles=tuple(
            PrincipleItem(
                reference=principle.reference,
                title=principle.title,
                policy=f"{principle.version.policy.title}, version {principle.version.version}",
                investigated_under=principle.investigated_under.title,
            )
            for principle in case.principles.all()
        ),
        links=tuple(
            EvidenceLinkItem(
                url=link_for_reader(link.url),
                report_reference=report.reference,
                added_by=_who(link.added_by, hidden),
                added_at=link.added_at,
            )
            for report in reports
            for link in report.links.all()
        ),
        files=tuple(
            EvidenceFileItem(
                name=evidence.original_name,
                report_reference=report.reference,
                content_type=evidence.content_type,
                size=evidence.size,
                sha256=evidence.sha256,
                added_by=_who(evidence.added_by, hidden),
                added_at=evidence.added_at,
                image=_file_bytes(evidence),
            )
            for report in reports
            for evidence in report.files.all()
        ),
        timeline=tuple(timeline),
        triage_summary="" if employee else case.triage_summary,
        terms_of_reference=case.terms_of_reference if not manager else "",
        evidence_summary=case.evidence_summary if not (manager or employee) else "",
        interview_records=case.interview_records if not (manager or employee) else "",
        recommendation=case.recommendation if not (manager or employee) else "",
        findings=tuple(
            FindingItem(principle=f.principle.title, upheld=f.upheld) for f in case.findings.all()
        )
        if not employee
        else (),
        outcome=""
        if employee or not case.outcome
        else case.get_outcome_display()
        if case.outcome_is_current
        else f"{case.get_outcome_display()} (the previous outcome: the case was reopened)",
        outcome_rationale=case.outcome_rationale if not employee else "",
        appeal_deadline=case.appeal_deadline if not employee else None,
        informal_action=case.informal_action if not employee else "",
    )
