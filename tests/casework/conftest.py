"""Casework fixtures: the cast around one case, and cases built in any state.

Starting states come from the factories (``case_in_state``), never from
running transitions, so a test of one transition doesn't depend on the others.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from casework.models import Case, CaseEvent, CaseState, Closure, EventKind, Finding, Outcome
from casework.timeline import case_event_record
from directory.models import Role, User
from incidents.models import EvidenceFile, PosterKind, Report
from tests.factories import (
    CaseFactory,
    EvidenceLinkFactory,
    PrincipleFactory,
    ReportFactory,
    UserFactory,
)

# The reporter's words: if they show up on a page, the page shows case data.
DESCRIPTION = "Photo of bay 4 on Larkspur ward with Mrs Quimby's name board readable."

# A tiny but real PNG, so a download streams a real file.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"
    b"\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00"
    b"\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)

# Which people a case has met by the time it reaches each state.
_TRIAGED = [
    CaseState.TRIAGE,
    CaseState.MANAGER_REVIEW,
    CaseState.INVESTIGATION,
    CaseState.DECISION,
    CaseState.CLOSED,
]
_ROUTED = [CaseState.MANAGER_REVIEW, CaseState.INVESTIGATION, CaseState.DECISION, CaseState.CLOSED]
_ASSIGNED = [CaseState.INVESTIGATION, CaseState.DECISION, CaseState.CLOSED]
_DECIDED = [CaseState.DECISION, CaseState.CLOSED]


@pytest.fixture
def decision_maker(db) -> User:
    return UserFactory(first_name="Dev", last_name="Decider", roles=[Role.HR_LEAD])


@pytest.fixture
def other_triage_officer(db) -> User:
    return UserFactory(first_name="Tess", last_name="Othertriage", roles=[Role.TRIAGE_OFFICER])


@pytest.fixture
def other_investigator(db) -> User:
    return UserFactory(
        first_name="Ian", last_name="Otherinvestigator", roles=[Role.HR_INVESTIGATOR]
    )


@pytest.fixture
def safeguarding_lead(db) -> User:
    return UserFactory(first_name="Sam", last_name="Safeguarding", roles=[Role.SAFEGUARDING_LEAD])


@pytest.fixture
def ig_lead(db) -> User:
    return UserFactory(first_name="Iris", last_name="Governance-Lead", roles=[Role.IG_LEAD])


@pytest.fixture
def communications_lead(db) -> User:
    return UserFactory(first_name="Cora", last_name="Comms", roles=[Role.COMMUNICATIONS_LEAD])


@dataclass
class Cast:
    """Everyone around one case."""

    reporter: User
    poster: User
    line_manager: User
    triage_officer: User
    investigator: User
    decision_maker: User


@pytest.fixture
def cast(reporter, poster, poster_manager, triage_officer, investigator, decision_maker) -> Cast:
    return Cast(
        reporter=reporter,
        poster=poster,
        line_manager=poster_manager,
        triage_officer=triage_officer,
        investigator=investigator,
        decision_maker=decision_maker,
    )


def evidence_file_make(
    *, report: Report, by: User | None = None, content: bytes = PNG
) -> EvidenceFile:
    """A stored screenshot on a report, fingerprinted as intake would."""
    evidence = EvidenceFile(
        report=report,
        original_name="screenshot.png",
        content_type="image/png",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        added_by=by or report.reporter,
    )
    evidence.file.save("upload", ContentFile(content), save=False)
    evidence.save()
    return evidence


def report_make(
    *,
    case: Case,
    reporter: User,
    poster: User | None = None,
    confidential: bool = False,
    description: str = DESCRIPTION,
    reference: str | None = None,
    event: bool = True,
) -> Report:
    """A report on a case, with its "report received" line in the timeline."""
    if reference is None:
        first = not case.reports.exists()
        reference = case.reference if first else f"{case.reference}-{Report.objects.count() + 1}"
    report = ReportFactory(
        case=case,
        reference=reference,
        reporter=reporter,
        poster=poster,
        poster_kind=PosterKind.COLLEAGUE if poster else PosterKind.UNKNOWN,
        confidential=confidential,
        description=description,
    )
    if event:
        case_event_record(
            case=case,
            kind=EventKind.REPORT_RECEIVED,
            actor=reporter,
            report=report,
            note=f"Report {report.reference} received.",
        )
    return report


def case_in_state(
    state: str,
    cast: Cast,
    *,
    principles: int = 1,
    confidential: bool = True,
    with_file: bool = True,
    everyone: bool = False,
    **fields: object,
) -> Case:
    """A case as it would be on reaching ``state``, with one report by the cast's reporter.

    The people are set as the state implies: who triaged it from triage on, the
    poster's line manager from manager review on, the investigator and decision
    maker from investigation on. ``everyone=True`` sets them all whatever the
    state, as on a case that has been round once and been reopened.
    """
    now = timezone.now()
    reached = (lambda states: True) if everyone else (lambda states: state in states)
    values: dict[str, object] = {"state": state}
    if reached(_TRIAGED):
        values.update(
            poster=cast.poster,
            triaged_by=cast.triage_officer,
            triage_started_at=now,
            triage_summary="A ward photo with a patient's name visible.",
        )
    if reached(_ROUTED):
        values.update(line_manager=cast.line_manager, routed_at=now)
    if reached(_ASSIGNED):
        values.update(
            investigator=cast.investigator,
            decision_maker=cast.decision_maker,
            investigation_started_at=now,
        )
    if reached(_DECIDED):
        values.update(
            terms_of_reference="Did the post identify a patient?",
            evidence_summary="The screenshot.",
            recommendation="A final written warning.",
            findings_submitted_at=now,
        )
    if state == CaseState.CLOSED:
        values.update(
            outcome=Outcome.FINAL_WRITTEN_WARNING,
            outcome_rationale="The post identified a patient.",
            appeal_deadline=timezone.localdate() + dt.timedelta(days=14),
            decided_at=now,
            closure=Closure.OUTCOME,
            closed_at=now,
        )
    values.update(fields)
    case = CaseFactory(**values)
    alleged = [PrincipleFactory() for _ in range(principles)]
    case.principles.set(alleged)
    if reached(_DECIDED):
        for principle in alleged:
            Finding.objects.create(case=case, principle=principle, upheld=True)
    report = report_make(
        case=case, reporter=cast.reporter, poster=cast.poster, confidential=confidential
    )
    EvidenceLinkFactory(report=report)
    if with_file:
        evidence_file_make(report=report)
    return case


def action_form_data(action: str, case: Case, cast: Cast) -> dict[str, object]:
    """A submission of an action's form that is valid for someone allowed to make it."""
    data: dict[str, object] = {"seen_revision": case.revision, "note": "Checked the screenshots."}
    principles = list(case.principles.all())
    if action == "update_details":
        data |= {
            "poster": cast.poster.pk,
            "poster_handle": "ward_paul",
            "principles": [p.pk for p in principles],
            "triage_summary": "Updated summary.",
        }
    elif action == "dismiss":
        data |= {"reason": "no_breach"}
    elif action == "resolve_informally":
        data |= {
            "action_taken": "Post removed; we talked about the policy.",
            "post_removed": "on",
            "employee_spoken_to": "on",
        }
    elif action == "assign":
        data |= {"investigator": cast.investigator.pk, "decision_maker": cast.decision_maker.pk}
    elif action == "submit_findings":
        data |= {
            "terms_of_reference": "Did the post identify a patient?",
            "evidence_summary": "Screenshots.",
            "interview_records": "",
            "recommendation": "Final written warning.",
        }
        data |= {f"finding_{p.pk}": "upheld" for p in principles}
    elif action == "record_outcome":
        data |= {
            "outcome": "final_written_warning",
            "rationale": "The post identified a patient.",
            "appeal_deadline": (timezone.localdate() + dt.timedelta(days=14)).isoformat(),
        }
    elif action == "reopen":
        data |= {"reason": "appeal"}
    elif action == "set_flag":
        data |= {"flag": "data_breach", "raised": "1"}
    elif action == "link_handle":
        data |= {"handle": "ward_paul", "user": cast.poster.pk}
    return data


def case_refresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def snapshot(case: Case) -> tuple[str, int, int, int, int]:
    """What a refused action must leave alone: state, revision, timeline, findings, reports."""
    fresh = case_refresh(case)
    return (
        fresh.state,
        fresh.revision,
        CaseEvent.objects.filter(case=case).count(),
        Finding.objects.filter(case=case).count(),
        Report.objects.filter(case=case).count(),
    )
