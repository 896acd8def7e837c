"""Factories for every model the tests build, and cases built in any state. Starting states come from here.

Starting states come from the factories (``case_in_state``), never from
running transitions, so a test of one transition doesn't depend on the others.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from casework.models import Case, CaseState, Closure, EventKind, Finding, Outcome
from casework.timeline import case_event_record
from directory.models import Directorate, EmploymentType, Role, Service, User, role_group
from incidents.models import Answer, EvidenceFile, EvidenceLink, Platform, PosterKind, Report
from policies.models import Policy, PolicyKind, PolicyVersion, Principle

PASSWORD = "correct-horse-battery"


class DirectorateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Directorate
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Directorate {n}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    directorate = factory.SubFactory(DirectorateFactory)
    name = factory.Sequence(lambda n: f"Service {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"person{n}@trust.example.nhs.uk")
    job_title = "Staff nurse"
    employment_type = EmploymentType.PERMANENT
    service = factory.SubFactory(ServiceFactory)
    line_manager = None

    @factory.post_generation
    def password(obj: User, create: bool, extracted: str | None, **kwargs: object) -> None:
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def roles(obj: User, create: bool, extracted: list[Role] | None, **kwargs: object) -> None:
        if create and extracted:
            for role in extracted:
                group = role_group(role)
                obj.groups.add(group)


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Policy
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"policy-{n}")
    title = factory.Sequence(lambda n: f"Policy {n}")
    organisation = "The Trust"
    kind = PolicyKind.SOCIAL_MEDIA


class PolicyVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PolicyVersion

    policy = factory.SubFactory(PolicyFactory)
    version = factory.Sequence(lambda n: str(n + 1))
    ratified_on = dt.date(2016, 6, 29)
    expires_on = dt.date(2019, 6, 29)


class PrincipleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Principle

    version = factory.SubFactory(PolicyVersionFactory)
    reference = "§5"
    title = factory.Sequence(lambda n: f"Principle {n}")
    summary = "Don't post things that identify a patient."
    investigated_under = factory.SubFactory(
        PolicyFactory,
        slug="disciplinary",
        title="Disciplinary Policy and Procedure",
        kind=PolicyKind.INVESTIGATING,
    )


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    reference = factory.Sequence(lambda n: f"SMP-2026-{90000 + n:05d}")
    state = CaseState.NEW
    poster = None
    # As the services do: the poster's directorate, taken when they are identified.
    directorate = factory.LazyAttribute(
        lambda case: (
            case.poster.service.directorate if case.poster and case.poster.service_id else None
        )
    )


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    reference = factory.SelfAttribute("case.reference")
    case = factory.SubFactory(CaseFactory)
    reporter = factory.SubFactory(UserFactory)
    platform = Platform.FACEBOOK
    seen_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=2))
    description = "A photo of a ward with a patient's face visible."
    poster_kind = PosterKind.UNKNOWN
    shows_patient = Answer.YES
    welfare_risk = Answer.NO


class EvidenceLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvidenceLink

    report = factory.SubFactory(ReportFactory)
    url = factory.Sequence(lambda n: f"https://www.facebook.com/someone/posts/{n}")
    normalised_url = factory.LazyAttribute(lambda o: o.url.replace("www.", ""))
    platform = Platform.FACEBOOK
    added_by = factory.SelfAttribute("report.reporter")


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


@dataclass
class Cast:
    """Everyone around one case."""

    reporter: User
    poster: User
    line_manager: User
    triage_officer: User
    investigator: User
    decision_maker: User


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
