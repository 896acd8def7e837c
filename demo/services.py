"""The demo organisation: every role of DOMAIN.md with a login, and a few reports.

Everything is keyed so that seeding twice changes nothing: people by email,
structure by name, reports by a fixed submission token.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from casework.changes import cases_changed
from directory.models import Directorate, EmploymentType, Role, Service, User, role_group
from directory.services import roles_ensure
from governance.rollup import rollup_refresh
from incidents.models import Answer, PosterKind, Report
from incidents.services import ReportDraft, report_submit
from organisations.models import EmailDomain, Organisation
from organisations.services import organisations_ensure
from policies.models import Principle
from policies.services import register_load

DEMO_PASSWORD = "flagpost-demo"
DEMO_DOMAIN = "whc.example"
# Healthwatch's demo address domain (its staff are still to come).
HEALTHWATCH_DEMO_DOMAIN = "healthwatch.example"
_TOKEN_NAMESPACE = uuid.UUID("6f1c2f55-3f57-4b8e-9a55-0d8f1c0de001")

STRUCTURE = {
    "Adult Community Services": ["District Nursing", "Community Hospitals"],
    "Mental Health": ["Adult Inpatients", "Community Mental Health Teams"],
    "Corporate Services": [
        "Human Resources",
        "Marketing and Communications",
        "Information Governance",
        "Safeguarding",
    ],
}


@dataclass(frozen=True)
class DemoPerson:
    key: str
    first_name: str
    last_name: str
    job_title: str
    service: str
    role_label: str  # what the login is for, as printed
    roles: tuple[Role, ...] = ()
    manager: str | None = None
    employment_type: EmploymentType = EmploymentType.PERMANENT
    is_admin: bool = False


PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson(
        "nadia.director",
        "Nadia",
        "Director",
        "Director of Nursing",
        "District Nursing",
        "Senior manager (top of the chain)",
    ),
    DemoPerson(
        "mark.manager",
        "Mark",
        "Manager",
        "District Nursing Team Manager",
        "District Nursing",
        "Reporter's line manager",
        manager="nadia.director",
    ),
    DemoPerson(
        "rita.reporter",
        "Rita",
        "Reporter",
        "Community Staff Nurse",
        "District Nursing",
        "Reporter (any member of staff)",
        manager="mark.manager",
    ),
    DemoPerson(
        "lina.linemanager",
        "Lina",
        "Linemanager",
        "Ward Manager",
        "Community Hospitals",
        "Line manager of the person who posted",
        manager="nadia.director",
    ),
    DemoPerson(
        "paul.poster",
        "Paul",
        "Poster",
        "Healthcare Assistant",
        "Community Hospitals",
        "Subject of a report (sees no case about himself)",
        manager="lina.linemanager",
        employment_type=EmploymentType.TEMPORARY,
    ),
    DemoPerson(
        "sally.student",
        "Sally",
        "Student",
        "Student Nurse",
        "Adult Inpatients",
        "Reporter (student on placement)",
        manager="lina.linemanager",
        employment_type=EmploymentType.STUDENT,
    ),
    DemoPerson(
        "tara.triage",
        "Tara",
        "Triage",
        "Incident Reporting Officer",
        "Human Resources",
        "Triage officer",
        roles=(Role.TRIAGE_OFFICER,),
    ),
    DemoPerson(
        "ian.investigator",
        "Ian",
        "Investigator",
        "HR Business Partner",
        "Human Resources",
        "HR investigator",
        roles=(Role.HR_INVESTIGATOR,),
        manager="hannah.hrlead",
    ),
    DemoPerson(
        "hannah.hrlead",
        "Hannah",
        "Hrlead",
        "Head of Employee Relations",
        "Human Resources",
        "HR lead / decision maker",
        roles=(Role.HR_LEAD,),
    ),
    DemoPerson(
        "dev.decision",
        "Dev",
        "Decision",
        "Deputy Director of Workforce",
        "Human Resources",
        "HR lead / decision maker (a second one, for conflict checks)",
        roles=(Role.HR_LEAD,),
    ),
    DemoPerson(
        "iris.ig",
        "Iris",
        "Governance",
        "Information Governance Lead",
        "Information Governance",
        "Information governance lead",
        roles=(Role.IG_LEAD,),
    ),
    DemoPerson(
        "sam.safeguarding",
        "Sam",
        "Safeguarding",
        "Named Nurse for Safeguarding",
        "Safeguarding",
        "Safeguarding lead",
        roles=(Role.SAFEGUARDING_LEAD,),
    ),
    DemoPerson(
        "cora.comms",
        "Cora",
        "Comms",
        "Head of Marketing and Communications",
        "Marketing and Communications",
        "Communications lead",
        roles=(Role.COMMUNICATIONS_LEAD,),
    ),
    DemoPerson(
        "gordon.governance",
        "Gordon",
        "Committee",
        "Non-Executive Director",
        "Human Resources",
        "Governance committee member",
        roles=(Role.GOVERNANCE,),
    ),
    DemoPerson(
        "ada.admin",
        "Ada",
        "Admin",
        "Systems Administrator",
        "Information Governance",
        "Administrator",
        roles=(Role.ADMINISTRATOR,),
        is_admin=True,
    ),
)


@dataclass
class DemoSeedResult:
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (role, email, password)
    people_created: int = 0
    reports_created: int = 0
    register: object = None


def demo_email(key: str) -> str:
    return f"{key}@{DEMO_DOMAIN}"


def demo_seed(*, with_reports: bool = True) -> DemoSeedResult:
    result = DemoSeedResult()
    result.register = register_load()
    roles_ensure()
    with transaction.atomic():
        trust = _organisations_ensure()
        services = _structure_ensure()
        people: dict[str, User] = {}
        for person in PEOPLE:
            user, created = User.objects.get_or_create(
                email=demo_email(person.key),
                defaults={
                    "first_name": person.first_name,
                    "last_name": person.last_name,
                    "job_title": person.job_title,
                    "service": services[person.service],
                    "employment_type": person.employment_type,
                    "is_staff": person.is_admin,
                    "is_superuser": person.is_admin,
                    "organisation": trust,
                },
            )
            if user.organisation_id is None:
                user.organisation = trust
                user.save(update_fields=["organisation"])
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                result.people_created += 1
            people[person.key] = user
            for role in person.roles:
                user.groups.add(role_group(role))
            result.logins.append((person.role_label, user.email, DEMO_PASSWORD))
        for person in PEOPLE:
            manager = people[person.manager] if person.manager else None
            user = people[person.key]
            if user.line_manager_id != (manager.pk if manager else None):
                user.line_manager = manager
                user.save(update_fields=["line_manager"])
    if with_reports:
        _digest_reader_ensure(people)
        result.reports_created = _reports_ensure(people)
        result.reports_created += _staged_cases_ensure(people)
        _deadline_notifications_ensure(people)
        # A year of past cases; after the steps above, so they still pick the live demo cases.
        from demo.history import history_ensure

        history_ensure(people=people)
        rollup_refresh()  # count the history now rather than on the first look at the dashboard
        # Last quarter's committee pack, as the quarterly schedule would have made it.
        from governance.services import pack_quarterly_due

        pack_quarterly_due()
    return result


def _organisations_ensure() -> Organisation:
    """The two organisations of the source policies with their demo domains.

    Returns the Trust, which employs every demo person.
    """
    found = organisations_ensure()
    trust, healthwatch = found["WHCT"], found["Healthwatch"]
    for organisation, domain in ((trust, DEMO_DOMAIN), (healthwatch, HEALTHWATCH_DEMO_DOMAIN)):
        EmailDomain.objects.get_or_create(domain=domain, defaults={"organisation": organisation})
    return trust


def _digest_reader_ensure(people: dict[str, User]) -> None:
    # Mark prefers one email a day: the demo shows the digest as well as immediate emails.
    from directory.models import EmailPreference

    mark = people["mark.manager"]
    if mark.email_preference != EmailPreference.DAILY_DIGEST and not Report.objects.exists():
        mark.email_preference = EmailPreference.DAILY_DIGEST
        mark.save(update_fields=["email_preference"])


def _deadline_notifications_ensure(people: dict[str, User]) -> None:
    """Let the demo show reminders, overdue alerts, escalations, a reopened case and a digest.

    Runs once: it is skipped when the demo already has an escalation.
    """
    from casework import services as casework
    from casework.models import Case, CaseState, DismissalReason, ReopenReason
    from casework.notices import deadlines_sweep
    from deadlines.models import Deadline
    from deadlines.services import case_next_due_sync
    from notifications.models import DeliveryStatus, Notification, NotificationKind
    from notifications.services import digest_send_for

    if Notification.objects.filter(kind=NotificationKind.DEADLINE_ESCALATION).exists():
        return
    now = timezone.now()
    # The X thread waited too long for triage: overdue, then escalated to the HR leads.
    waiting = Case.objects.filter(
        state=CaseState.NEW, reports__poster_handle__startswith="@"
    ).first()
    if waiting is not None:
        Deadline.objects.filter(case=waiting).update(
            started_at=now - dt.timedelta(days=8),
            due_at=now - dt.timedelta(days=7),
            escalate_at=now - dt.timedelta(days=5),
            remind_at=None,
            next_action_at=now - dt.timedelta(days=7),
        )
        cases_changed([waiting.pk])
        case_next_due_sync(case=waiting)
    # Lina's review is due tomorrow: a reminder.
    routed = Case.objects.filter(state=CaseState.MANAGER_REVIEW).first()
    if routed is not None:
        Deadline.objects.filter(case=routed, met_at=None, cancelled_at=None).update(
            remind_at=now - dt.timedelta(hours=1),
            due_at=now + dt.timedelta(days=1),
            next_action_at=now - dt.timedelta(hours=1),
        )
        cases_changed([routed.pk])
        case_next_due_sync(case=routed)
    while deadlines_sweep(now=now):
        pass
    closed = Case.objects.filter(state=CaseState.CLOSED, merged_into=None, outcome__gt="").first()
    if closed is not None and closed.reopened_count == 0:
        # An appeal reopens it; a second look at triage closes it again (and it can be reopened again).
        reopened = casework.case_reopen(
            case=closed,
            by=people["hannah.hrlead"],
            reason=ReopenReason.APPEAL,
            note="Appeal received within the deadline.",
        )
        casework.case_dismiss(
            case=reopened,
            by=people["tara.triage"],
            reason=DismissalReason.NO_BREACH,
            note="On appeal: the post gave a personal view and said so.",
        )
    mark = people["mark.manager"]
    waiting_digest = Notification.objects.filter(
        recipient=mark, email_status=DeliveryStatus.IN_DIGEST
    )
    # A waiting digest row always has its send time.
    waiting_due = [n.email_due_at for n in waiting_digest if n.email_due_at is not None]
    if waiting_due:
        digest_send_for(recipient_id=mark.pk, now=max(waiting_due))


def _structure_ensure() -> dict[str, Service]:
    services: dict[str, Service] = {}
    for directorate_name, service_names in STRUCTURE.items():
        directorate, _ = Directorate.objects.get_or_create(name=directorate_name)
        for name in service_names:
            services[name], _ = Service.objects.get_or_create(directorate=directorate, name=name)
    return services


def _principles(*titles: str) -> list[Principle]:
    return list(Principle.objects.filter(title__in=titles))


def _reports_ensure(people: dict[str, User]) -> int:
    now = timezone.now()
    examples = [
        (
            "rita.reporter",
            "photo-of-ward",
            ReportDraft(
                submission_token=uuid.uuid5(_TOKEN_NAMESPACE, "photo-of-ward"),
                links=["https://www.facebook.com/paul.poster.demo/posts/1001?fbclid=demo"],
                platform="",
                seen_at=now - dt.timedelta(days=1, hours=3),
                posted_at=now - dt.timedelta(days=1, hours=6),
                description="A photo taken on the ward after a night shift. A patient's face and the "
                "whiteboard with patient names can be seen behind the staff in uniform.",
                poster_kind=PosterKind.COLLEAGUE,
                poster=people["paul.poster"],
                poster_handle="",
                principles=[],
                shows_patient=Answer.YES,
                welfare_risk=Answer.NO,
                confidential=True,
            ),
        ),
        (
            "sally.student",
            "same-photo-of-ward",
            ReportDraft(
                submission_token=uuid.uuid5(_TOKEN_NAMESPACE, "same-photo-of-ward"),
                links=["https://facebook.com/paul.poster.demo/posts/1001/"],
                platform="",
                seen_at=now - dt.timedelta(hours=20),
                posted_at=None,
                description="Someone from the ward posted a picture with a patient in it.",
                poster_kind=PosterKind.UNKNOWN,
                poster=None,
                poster_handle="",
                principles=[],
                shows_patient=Answer.YES,
                welfare_risk=Answer.NOT_SURE,
                confidential=False,
            ),
        ),
        (
            "rita.reporter",
            "colleague-comments",
            ReportDraft(
                submission_token=uuid.uuid5(_TOKEN_NAMESPACE, "colleague-comments"),
                links=["https://x.com/nightshift_nurse_demo/status/1790000000000000001?s=20"],
                platform="",
                seen_at=now - dt.timedelta(days=3),
                posted_at=now - dt.timedelta(days=4),
                description="A thread mocking a named colleague's appearance and saying the Trust "
                "'doesn't care about anyone'.",
                poster_kind=PosterKind.HANDLE,
                poster=None,
                poster_handle="@nightshift_nurse_demo",
                principles=[],
                shows_patient=Answer.NO,
                welfare_risk=Answer.NO,
                confidential=False,
            ),
        ),
    ]
    created = 0
    principle_sets = {
        "photo-of-ward": ("Use of photos", "Protect patient confidentiality"),
        "colleague-comments": ("Respect others",),
    }
    for reporter_key, key, draft in examples:
        if Report.objects.filter(submission_token=draft.submission_token).exists():
            continue
        principles = _principles(*principle_sets.get(key, ()))
        draft = ReportDraft(**{**draft.__dict__, "principles": principles})
        report_submit(reporter=people[reporter_key], draft=draft)
        created += 1
    return created


@dataclass(frozen=True)
class StagedCase:
    """A demo case taken through the real services to a given stage."""

    key: str
    reporter: str
    link: str
    description: str
    principles: tuple[str, ...]
    stage: str
    flags: tuple[str, ...] = ()
    confidential: bool = False
    welfare_risk: str = Answer.NO
    shows_patient: str = Answer.NO


STAGED_CASES: tuple[StagedCase, ...] = (
    StagedCase(
        "instagram-rant",
        "sally.student",
        "https://www.instagram.com/p/DemoRant01/",
        "An Instagram story naming two colleagues on the ward as 'useless' and 'lazy'.",
        ("Respect others",),
        stage="manager_review",
    ),
    StagedCase(
        "tiktok-uniform",
        "mark.manager",
        "https://www.tiktok.com/@paulp_demo/video/7300000000000000001",
        "A TikTok video filmed in uniform on the ward, joking about a patient's behaviour. "
        "The patient isn't named but the bay number is visible.",
        ("Protect patient confidentiality", "Use of photos"),
        stage="investigation",
        shows_patient=Answer.YES,
        confidential=True,
    ),
    StagedCase(
        "facebook-rota",
        "rita.reporter",
        "https://www.facebook.com/groups/demo-night-staff/posts/2002",
        "A photo of the staff rota with colleagues' phone numbers, posted in a public group.",
        ("Never breach data protection or post photographs without permission",),
        stage="decision",
        flags=("data_breach",),
    ),
    StagedCase(
        "linkedin-opinion",
        "sally.student",
        "https://www.linkedin.com/posts/demo-opinion-3003",
        "A LinkedIn post giving views on Trust policy as if speaking for the Trust.",
        ("Make clear opinions are your own",),
        stage="closed",
    ),
    StagedCase(
        "youtube-low-mood",
        "rita.reporter",
        "https://youtu.be/DemoLowMood4",
        "A video from a colleague's account talking about feeling hopeless after shifts.",
        (),
        stage="triage",
        flags=("safeguarding",),
        welfare_risk=Answer.YES,
    ),
)


def _staged_cases_ensure(people: dict[str, User]) -> int:
    from casework import services as casework
    from casework.models import Flag, Outcome
    from casework.services import FindingInput

    created = 0
    tara, hannah = people["tara.triage"], people["hannah.hrlead"]
    for staged in STAGED_CASES:
        token = uuid.uuid5(_TOKEN_NAMESPACE, staged.key)
        if Report.objects.filter(submission_token=token).exists():
            continue
        principles = _principles(*staged.principles)
        now = timezone.now()
        submission = report_submit(
            reporter=people[staged.reporter],
            draft=ReportDraft(
                submission_token=token,
                links=[staged.link],
                platform="",
                seen_at=now - dt.timedelta(days=2),
                posted_at=None,
                description=staged.description,
                poster_kind=PosterKind.COLLEAGUE,
                poster=people["paul.poster"],
                poster_handle="",
                principles=principles,
                shows_patient=staged.shows_patient,
                welfare_risk=staged.welfare_risk,
                confidential=staged.confidential,
            ),
        )
        created += 1
        case = submission.report.case
        case = casework.case_triage_start(case=case, by=tara, note="Picked up from the queue.")
        for flag in staged.flags:
            case = casework.case_flag_set(
                case=case,
                by=tara,
                flag=Flag(flag),
                raised=True,
                note="Raised at triage from what the report says.",
            )
        if staged.stage == "triage":
            continue
        case = casework.case_update_details(
            case=case,
            by=tara,
            poster=people["paul.poster"],
            poster_handle="",
            principles=principles or _principles("Respect others"),
            triage_summary="The post is from Paul Poster's own account. "
            "The screenshots and link match what the reporter describes.",
        )
        case = casework.case_route_to_manager(
            case=case, by=tara, note="Poster identified; for the line manager."
        )
        if staged.stage == "manager_review":
            continue
        lina = people["lina.linemanager"]
        case = casework.case_request_investigation(
            case=case, by=lina, note="Too serious to handle informally."
        )
        case = casework.case_assign(
            case=case,
            by=hannah,
            investigator=people["ian.investigator"],
            decision_maker=people["dev.decision"],
            note="Assigned on receipt.",
        )
        if staged.stage == "investigation":
            continue
        ian = people["ian.investigator"]
        case = casework.case_submit_findings(
            case=case,
            by=ian,
            terms_of_reference="Whether the post breached the Social Media Policy principles alleged.",
            evidence_summary="The post and a screenshot; Paul Poster accepted he posted it.",
            interview_records="Paul Poster, interviewed with his representative; the reporter, by statement.",
            findings=[FindingInput(principle=p, upheld=True) for p in case.principles.all()],
            recommendation="A formal warning and refresher training on the policy.",
            note="Investigation complete.",
        )
        if staged.stage == "decision":
            continue
        casework.case_record_outcome(
            case=case,
            by=people["dev.decision"],
            outcome=Outcome.FIRST_WRITTEN_WARNING,
            rationale="The post breached the policy; first occurrence, and the employee removed it quickly.",
            appeal_deadline=timezone.localdate() + dt.timedelta(days=14),
            note="Outcome letter sent.",
        )
    return created
