"""A year of past cases for the demo, so the governance dashboard has something to show.

``history_ensure`` generates about 25 to 40 cases a month over the last twelve
calendar months (this month so far included), from a fixed seed: reports from
a pool of generated staff, principles from the register, flags, closures of
every kind, and deadlines met in time or late. Cases are walked through the
same actions the case services take, but on paper: their timestamps are
computed, truncated at "now" (so recent cases are still in progress), and
written with ``bulk_create``: the one fast path beside the services. It
reuses their declarations rather than copying them: each action's clocks met
and opened and the state it leaves the case in come from
``casework.actions``, the stage clocks a closure stops and the next step of
each deadline from ``deadlines.services``, and due times from
``schedule_for``. Its cases are marked in the ``CaseChange`` outbox like any
other change, so reporting counts them.

Everything generated is marked: case and report references start with
``HIS-``, staff emails with ``history.``. If any history case exists nothing
is generated again, so seeding twice changes nothing. The cases don't carry
archived summaries (rendering hundreds of PDFs would make seeding slow).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass, field
from typing import TypeVar

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from casework.actions import ACTIONS, transition_target
from casework.changes import cases_changed
from casework.models import (
    Case,
    CaseEvent,
    CaseState,
    Closure,
    DismissalReason,
    EventKind,
    Finding,
    Outcome,
)
from deadlines.models import Clock, Deadline
from deadlines.services import STAGE_CLOCKS, next_action_at, rule_for, schedule_for
from directory.handles import handle_normalise
from directory.models import Service, User
from directory.services import directorate_of
from governance.selectors import governance_cache_bump
from incidents.links import link_normalise
from incidents.models import Answer, EvidenceLink, Platform, PosterKind, Report
from policies.models import Principle
from policies.services import versions_in_force

REFERENCE_PREFIX = "HIS"
STAFF_COUNT = 40
_TOKEN_NAMESPACE = uuid.UUID("6f1c2f55-3f57-4b8e-9a55-0d8f1c0de0a1")

FIRST_NAMES = (
    "Alex",
    "Bea",
    "Cal",
    "Dee",
    "Eli",
    "Fay",
    "Gus",
    "Hal",
    "Ivy",
    "Jo",
    "Kit",
    "Lou",
    "Max",
    "Nell",
    "Ola",
    "Pip",
    "Quin",
    "Ros",
    "Tam",
    "Viv",
)
LAST_NAMES = (
    "Ashdown",
    "Birchley",
    "Copperfold",
    "Dunmere",
    "Elmstead",
    "Fernhill",
    "Greywell",
    "Hollins",
    "Ivybridge",
    "Juniper",
    "Kestrel",
    "Larkmead",
    "Millbrook",
    "Northam",
    "Oakridge",
    "Pebworth",
    "Quarrendon",
    "Redbourn",
    "Stonely",
    "Thornby",
    "Underhay",
    "Vinewood",
    "Westacre",
)
JOB_TITLES = (
    "Staff Nurse",
    "Healthcare Assistant",
    "Support Worker",
    "Occupational Therapist",
    "Physiotherapist",
    "Administrator",
    "Porter",
    "Pharmacy Technician",
    "Receptionist",
    "Community Psychiatric Nurse",
)
PLATFORM_WEIGHTS = {
    Platform.FACEBOOK: 30,
    Platform.X: 17,
    Platform.INSTAGRAM: 15,
    Platform.TIKTOK: 14,
    Platform.LINKEDIN: 6,
    Platform.YOUTUBE: 5,
    Platform.BLOG: 3,
    Platform.FLICKR: 1,
    Platform.OTHER: 9,
}
_LINKS = {
    Platform.FACEBOOK: "https://www.facebook.com/history.demo.{n}/posts/{n}",
    Platform.X: "https://x.com/history_demo_{n}/status/{n}",
    Platform.INSTAGRAM: "https://www.instagram.com/p/HistoryDemo{n}/",
    Platform.TIKTOK: "https://www.tiktok.com/@history_demo_{n}/video/{n}",
    Platform.LINKEDIN: "https://www.linkedin.com/posts/history-demo-{n}",
    Platform.YOUTUBE: "https://www.youtube.com/watch?v=HistoryDemo{n}",
    Platform.BLOG: "https://history-demo-{n}.blog.example/post",
    Platform.FLICKR: "https://www.flickr.com/photos/history-demo/{n}",
    Platform.OTHER: "https://forum.example/thread/history-demo-{n}",
}
# How often each principle of the Trust's policy is alleged; the rest weigh 1.
PRINCIPLE_WEIGHTS = {
    "Respect others": 14,
    "Protect patient confidentiality": 9,
    "Use of photos": 8,
    "Make clear opinions are your own": 6,
    "Defamation and confidential information": 4,
    "Respect equality and human rights": 4,
    "Be aware that posts become public": 3,
    "Only use social media in your own time": 3,
}
DESCRIPTIONS = (
    "A post criticising a colleague by name after a shift.",
    "A photo taken on the ward with a whiteboard visible in the background.",
    "A comment about a patient's behaviour in a public group.",
    "A video filmed in uniform on Trust premises.",
    "A post giving views on Trust policy as if speaking for the Trust.",
    "Offensive comments in reply to a local news story.",
    "A post sharing details of an incident on the unit.",
    "A thread mocking a manager's decisions.",
)
OUTCOME_WEIGHTS = {
    Outcome.NO_CASE_TO_ANSWER: 20,
    Outcome.INFORMAL_MANAGEMENT: 20,
    Outcome.FIRST_WRITTEN_WARNING: 25,
    Outcome.FINAL_WRITTEN_WARNING: 14,
    Outcome.DISMISSAL: 8,
    Outcome.REFERRAL_REGULATOR: 8,
    Outcome.REFERRAL_POLICE: 5,
}


def _state_after(action: str) -> str:
    """The state an action leaves the case in ("received" is the report that opens it)."""
    return CaseState.NEW if action == "received" else transition_target(action)


def history_email(number: int) -> str:
    return f"history.{number:02d}@whc.example"


def history_ensure(*, people: dict[str, User], months: int = 12, seed: int = 2026) -> int:
    """Generate the demo's past cases once. Returns how many cases were made (0 if already there)."""
    with transaction.atomic():
        staff = _staff_ensure(people)
        if Case.objects.filter(reference__startswith=f"{REFERENCE_PREFIX}-").exists():
            return 0
        made = _Generator(
            people=people, staff=staff, rng=random.Random(seed), now=timezone.now()
        ).run(months)
    governance_cache_bump()  # bulk_create sends no signals
    return made


def _staff_ensure(people: dict[str, User]) -> list[User]:
    """The pool of generated staff, spread over the demo services; each service's first is its manager."""
    from demo.services import STRUCTURE

    services = {
        (s.directorate.name, s.name): s
        for s in Service.objects.select_related("directorate").filter(
            directorate__name__in=STRUCTURE
        )
    }
    ordered = [
        services[(d, name)]
        for d, names in STRUCTURE.items()
        for name in names
        if (d, name) in services
    ]
    emails = [history_email(n) for n in range(1, STAFF_COUNT + 1)]
    existing = {user.email: user for user in User.objects.filter(email__in=emails)}
    missing = []
    for index, email in enumerate(emails):
        if email in existing:
            continue
        missing.append(
            User(
                email=email,
                first_name=FIRST_NAMES[(index * 7) % len(FIRST_NAMES)],
                last_name=LAST_NAMES[(index * 5) % len(LAST_NAMES)],
                job_title=JOB_TITLES[index % len(JOB_TITLES)],
                service=ordered[index % len(ordered)] if ordered else None,
                password=make_password(None),
            )
        )
    if missing:
        User.objects.bulk_create(missing)
        existing = {user.email: user for user in User.objects.filter(email__in=emails)}
    staff = [existing[email] for email in emails]
    top = people.get("nadia.director")
    managers: dict[int | None, User] = {}
    for user in staff:
        manager = managers.setdefault(user.service_id, user)
        wanted = top if manager is user else manager
        if wanted is not None and user.line_manager_id != wanted.pk:
            user.line_manager = wanted
            user.save(update_fields=["line_manager"])
    return staff


@dataclass
class _Planned:
    case: Case
    created_at: dt.datetime
    updated_at: dt.datetime
    reports: list[Report] = field(default_factory=list)
    links: list[EvidenceLink] = field(default_factory=list)
    principles: list[Principle] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    events: list[CaseEvent] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    event_times: list[dt.datetime] = field(default_factory=list)


_Choice = TypeVar("_Choice")


def _pick(rng: random.Random, weights: dict[_Choice, int]) -> _Choice:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _hours(value: float) -> dt.timedelta:
    return dt.timedelta(hours=value)


class _Generator:
    def __init__(
        self, *, people: dict[str, User], staff: list[User], rng: random.Random, now: dt.datetime
    ) -> None:
        self.people, self.staff, self.rng, self.now = people, staff, rng, now
        self.rules = {clock: rule_for(clock) for clock in Clock}
        principles = list(
            Principle.objects.filter(version__policy__slug="trust-social-media-policy")
        )
        self.principles = principles or list(Principle.objects.all())
        self.principle_weights = [PRINCIPLE_WEIGHTS.get(p.title, 1) for p in self.principles]
        # Some people are the subject of several cases: a few carry most of the weight.
        self.poster_weights = [
            8 if n % 9 == 0 else 3 if n % 4 == 0 else 1 for n in range(len(staff))
        ]
        self.numbers: dict[int, int] = {}
        self.versions: dict[dt.date, list] = {}
        self.serial = 0

    # --- Orchestration ----------------------------------------------------------------

    def run(self, months: int) -> int:
        plans = []
        local_now = timezone.localtime(self.now)
        this_month = local_now.date().replace(day=1)
        for back in range(months - 1, -1, -1):
            index = this_month.year * 12 + this_month.month - 1 - back
            first = dt.date(index // 12, index % 12 + 1, 1)
            after = dt.date((index + 1) // 12, (index + 1) % 12 + 1, 1)
            start = timezone.make_aware(dt.datetime.combine(first, dt.time(0, 30)))
            end = min(
                timezone.make_aware(dt.datetime.combine(after, dt.time.min)), self.now - _hours(3)
            )
            count = self.rng.randint(25, 40)
            if back == 0:  # this month so far
                share = (end - start) / (
                    timezone.make_aware(dt.datetime.combine(after, dt.time.min)) - start
                )
                count = max(3, round(count * max(share, 0)))
            span = max((end - start).total_seconds(), 3600)
            times = sorted(
                start + dt.timedelta(seconds=self.rng.uniform(0, span)) for _ in range(count)
            )
            plans += [self._plan(created) for created in times]
        self._write(plans)
        return len(plans)

    def _write(self, plans: list[_Planned]) -> None:
        # Each row holds its case or report object; bulk_create fills in the ids once those are saved.
        cases = Case.objects.bulk_create([plan.case for plan in plans])
        for plan, case in zip(plans, cases, strict=True):
            case.created_at, case.updated_at = plan.created_at, plan.updated_at
        Case.objects.bulk_update(cases, ["created_at", "updated_at"], batch_size=500)
        Report.objects.bulk_create([r for plan in plans for r in plan.reports])
        EvidenceLink.objects.bulk_create([link for plan in plans for link in plan.links])
        Case.principles.through.objects.bulk_create(
            [
                Case.principles.through(case_id=plan.case.pk, principle_id=p.pk)
                for plan in plans
                for p in plan.principles
            ]
        )
        Report.principles.through.objects.bulk_create(
            [
                Report.principles.through(report_id=report.pk, principle_id=p.pk)
                for plan in plans
                for report in plan.reports
                for p in plan.principles
            ]
        )
        Case.policy_versions.through.objects.bulk_create(
            [
                Case.policy_versions.through(case_id=plan.case.pk, policyversion_id=version.pk)
                for plan in plans
                for version in self._versions(plan.created_at)
            ]
        )
        Deadline.objects.bulk_create([d for plan in plans for d in plan.deadlines])
        Finding.objects.bulk_create([f for plan in plans for f in plan.findings])
        events = CaseEvent.objects.bulk_create([e for plan in plans for e in plan.events])
        for event, at in zip(
            events, [at for plan in plans for at in plan.event_times], strict=True
        ):
            event.at = at
        # The timeline is written once, here; only the time auto_now_add stamped is corrected.
        CaseEvent.objects.bulk_update(events, ["at"], batch_size=500)
        cases_changed(case.pk for case in cases)

    def _versions(self, at: dt.datetime) -> list:
        day = timezone.localdate(at)
        if day not in self.versions:
            self.versions[day] = versions_in_force(on=day)
        return self.versions[day]

    def _reference(self, at: dt.datetime) -> str:
        year = timezone.localdate(at).year
        self.numbers[year] = self.numbers.get(year, 0) + 1
        return f"{REFERENCE_PREFIX}-{year}-{self.numbers[year]:05d}"

    # --- One case ---------------------------------------------------------------------

    def _plan(self, created: dt.datetime) -> _Planned:
        rng, people = self.rng, self.people
        self.serial += 1
        reference = self._reference(created)
        platform = _pick(rng, PLATFORM_WEIGHTS)
        principle_count = 1 if rng.random() < 0.65 else 2
        principles: list[Principle] = []
        while len(principles) < min(principle_count, len(self.principles)):
            choice = rng.choices(self.principles, weights=self.principle_weights)[0]
            if choice not in principles:
                principles.append(choice)
        titles = {p.title for p in principles}
        poster_kind = _pick(
            rng, {PosterKind.COLLEAGUE: 65, PosterKind.HANDLE: 22, PosterKind.UNKNOWN: 13}
        )
        subject = rng.choices(self.staff, weights=self.poster_weights)[0]
        handle = f"@{rng.choice(('night', 'ward', 'shift', 'scrubs', 'bleep'))}_{rng.choice(('owl', 'life', 'talk', 'diary'))}_{rng.randint(10, 999)}"
        identified = poster_kind == PosterKind.COLLEAGUE or rng.random() < 0.4

        # The path the case takes, then its timestamps; anything after "now" hasn't happened yet.
        if identified:
            path = _pick(rng, {"withdraw": 4, "dismiss": 18, "informal": 42, "outcome": 36})
        else:
            path = _pick(rng, {"withdraw": 10, "dismiss": 90})
        late = lambda share: rng.random() < share  # noqa: E731 - a one-line helper
        actions: list[tuple[str, dt.datetime]] = [("received", created)]
        at = created
        if path == "withdraw":
            actions.append(("withdraw", at + _hours(rng.uniform(1, 20))))
        else:
            at += _hours(rng.uniform(26, 100) if late(0.15) else rng.uniform(0.5, 20))
            actions.append(("start_triage", at))
            at += _hours(rng.uniform(80, 200) if late(0.2) else rng.uniform(4, 60))
            if path == "dismiss":
                actions.append(("dismiss", at))
            elif path == "informal" or rng.random() < 0.75:
                actions.append(("route_to_manager", at))
                at += _hours(rng.uniform(170, 330) if late(0.2) else rng.uniform(24, 110))
                actions.append(
                    ("resolve_informally" if path == "informal" else "request_investigation", at)
                )
            else:
                actions.append(("escalate", at))
            if path == "outcome":
                at += dt.timedelta(days=rng.uniform(30, 50) if late(0.25) else rng.uniform(10, 26))
                actions.append(("submit_findings", at))
                at += dt.timedelta(days=rng.uniform(8, 15) if late(0.2) else rng.uniform(1, 6))
                actions.append(("record_outcome", at))
        actions = [(action, when) for action, when in actions if when <= self.now]
        done = dict(actions)
        state = _state_after(actions[-1][0])
        closed_at = actions[-1][1] if state == CaseState.CLOSED else None

        case = Case(
            reference=reference,
            state=state,
            # A named colleague from the start; a handle or an unknown poster once triage has identified them.
            poster=subject
            if poster_kind == PosterKind.COLLEAGUE or (identified and "start_triage" in done)
            else None,
            poster_handle=handle if poster_kind == PosterKind.HANDLE else "",
            poster_handle_key=handle_normalise(handle) if poster_kind == PosterKind.HANDLE else "",
        )
        case.directorate_id = directorate_of(case.poster)
        case.closed_at = closed_at
        tara = people.get("tara.triage")
        if "start_triage" in done:
            case.triaged_by, case.triage_started_at = tara, done["start_triage"]
        if len(actions) > 2 and path != "withdraw":
            case.triage_summary = (
                "Generated history case: the post and the reports were checked at triage."
            )
        if "withdraw" in done:
            case.closure = Closure.WITHDRAWN
        if "dismiss" in done:
            case.closure = Closure.DISMISSED
            case.dismissal_reason = _pick(
                rng, {DismissalReason.NO_BREACH: 65, DismissalReason.NOT_ENOUGH_INFORMATION: 35}
            )
        line_manager = case.poster.line_manager if case.poster else None
        if "route_to_manager" in done:
            case.line_manager, case.routed_at = line_manager, done["route_to_manager"]
        if "escalate" in done:
            case.line_manager = line_manager
        investigation = done.get("escalate") or done.get("request_investigation")
        decider = people.get("dev.decision") if rng.random() < 0.4 else people.get("hannah.hrlead")
        if investigation:
            case.investigation_started_at = investigation
            case.investigator, case.decision_maker = people.get("ian.investigator"), decider
        if "resolve_informally" in done:
            case.closure = Closure.RESOLVED_INFORMALLY
            case.informal_action = "Spoke to the employee, who agreed to follow the policy."
            case.employee_spoken_to = True
            case.flag_post_removed = rng.random() < 0.6
        if "submit_findings" in done:
            case.findings_submitted_at = done["submit_findings"]
            case.terms_of_reference = "Whether the post breached the principles alleged."
            case.evidence_summary = "The post and screenshots supplied by the reporters."
            case.recommendation = "See the findings."
        outcome = _pick(rng, OUTCOME_WEIGHTS)
        if "record_outcome" in done:
            case.outcome, case.closure = outcome, Closure.OUTCOME
            case.outcome_rationale = "Decided on the findings and the employee's account."
            case.decided_at = done["record_outcome"]
            case.appeal_deadline = timezone.localdate(case.decided_at) + dt.timedelta(days=14)

        # Flags: raised at triage; the clocks run in hours and aren't stopped by closing.
        confidential = bool(
            titles
            & {
                "Protect patient confidentiality",
                "Use of photos",
                "Defamation and confidential information",
            }
        )
        flag_clocks: list[tuple[Clock, dt.datetime, dt.datetime | None]] = []
        triage_at = done.get("start_triage")
        if triage_at and rng.random() < 0.08:
            case.flag_safeguarding, case.safeguarding_flagged_at = True, triage_at
            answered = triage_at + _hours(
                rng.uniform(4.5, 30) if late(0.25) else rng.uniform(0.5, 3.8)
            )
            case.safeguarding_responded_at = answered if answered <= self.now else None
            flag_clocks.append((Clock.SAFEGUARDING, triage_at, case.safeguarding_responded_at))
        if triage_at and rng.random() < (0.2 if confidential else 0.03):
            case.flag_data_breach, case.data_breach_aware_at = True, created
            assessed = created + _hours(rng.uniform(75, 200) if late(0.2) else rng.uniform(3, 70))
            if assessed <= self.now:
                case.data_breach_assessed_at = assessed
                case.data_breach_reported_to_ico = rng.random() < 0.3
            flag_clocks.append((Clock.DATA_BREACH, created, case.data_breach_assessed_at))
        case.flag_official_account = rng.random() < 0.03
        case.flag_defamation = (
            "Defamation and confidential information" in titles and rng.random() < 0.3
        )
        case.flag_takedown_requested = rng.random() < 0.06

        plan = _Planned(
            case=case, principles=principles, created_at=created, updated_at=actions[-1][1]
        )
        self._reports(
            plan,
            platform=platform,
            poster_kind=poster_kind,
            subject=subject,
            handle=handle,
            until=closed_at or self.now,
            confidential=confidential,
        )
        self._deadlines(plan, actions, flag_clocks)
        self._events(plan, actions, decider=decider, line_manager=line_manager)
        if "submit_findings" in done:
            upheld = case.outcome != Outcome.NO_CASE_TO_ANSWER if case.outcome else True
            plan.findings = [Finding(case=case, principle=p, upheld=upheld) for p in principles]
        return plan

    def _reports(
        self,
        plan: _Planned,
        *,
        platform: Platform,
        poster_kind: PosterKind,
        subject: User,
        handle: str,
        until: dt.datetime,
        confidential: bool,
    ) -> None:
        rng, case, created = self.rng, plan.case, plan.created_at
        count = rng.choices((1, 2, 3), weights=(70, 22, 8))[0]
        reporters = rng.sample([u for u in self.staff if u.pk != subject.pk], count)
        link = _LINKS[platform].format(n=f"{self.serial:05d}")
        room = max((until - created).total_seconds() / 3600 * 0.9, 0.1)
        for number, reporter in enumerate(reporters):
            submitted = (
                created if number == 0 else created + _hours(rng.uniform(0.1, min(72, room)))
            )
            report = Report(
                reference=case.reference if number == 0 else f"{case.reference}-{number + 1}",
                case=case,
                reporter=reporter,
                submitted_at=submitted,
                submission_token=uuid.uuid5(_TOKEN_NAMESPACE, f"{case.reference}-{number}"),
                platform=platform,
                seen_at=submitted - _hours(rng.uniform(0.5, 30)),
                posted_at=submitted - _hours(rng.uniform(31, 60)) if rng.random() < 0.6 else None,
                description=rng.choice(DESCRIPTIONS),
                poster_kind=poster_kind if number == 0 else rng.choice(list(PosterKind.values)),
                shows_patient=Answer.YES
                if case.flag_data_breach or (confidential and rng.random() < 0.5)
                else rng.choice((Answer.NO, Answer.NO, Answer.NOT_SURE)),
                welfare_risk=Answer.YES if case.flag_safeguarding else Answer.NO,
                confidential=rng.random() < 0.3,
            )
            if report.poster_kind == PosterKind.COLLEAGUE:
                report.poster = subject
            elif report.poster_kind == PosterKind.HANDLE:
                report.poster_handle = handle
                report.poster_handle_key = handle_normalise(handle)
            plan.reports.append(report)
            plan.links.append(
                EvidenceLink(
                    report=report,
                    url=link,
                    normalised_url=link_normalise(link),
                    platform=platform,
                    added_by=reporter,
                    added_at=submitted,
                )
            )

    def _deadlines(
        self,
        plan: _Planned,
        actions: list[tuple[str, dt.datetime]],
        flag_clocks: list[tuple[Clock, dt.datetime, dt.datetime | None]],
    ) -> None:
        """The clocks ``deadlines_after_action`` would have run, with the steps the sweep would have sent."""
        opened: dict[str, Deadline] = {}

        def start(clock: Clock, at: dt.datetime) -> Deadline:
            schedule = schedule_for(self.rules[clock], at)
            opened[clock] = Deadline(
                case=plan.case,
                clock=clock,
                cycle=0,
                started_at=at,
                due_at=schedule.due_at,
                remind_at=schedule.remind_at,
                escalate_at=schedule.escalate_at,
            )
            return opened[clock]

        for action, at in actions:
            if action == "received":
                start(Clock.TRIAGE_START, at)
            declared = ACTIONS.get(action)
            for clock in declared.meets if declared else ():
                if clock in opened and opened[clock].is_open:
                    opened[clock].met_at = at
            if _state_after(action) == CaseState.CLOSED:
                for clock in STAGE_CLOCKS:
                    if clock in opened and opened[clock].is_open:
                        opened[clock].cancelled_at = at
            for clock in declared.opens if declared else ():
                start(clock, at)
        for clock, started, answered in flag_clocks:
            start(clock, started).met_at = answered
        for deadline in opened.values():
            end = deadline.met_at or deadline.cancelled_at or self.now
            if (
                deadline.remind_at
                and deadline.remind_at <= end
                and deadline.remind_at < deadline.due_at
            ):
                deadline.reminder_sent_at = deadline.remind_at
            if deadline.due_at <= end:
                deadline.overdue_sent_at = deadline.due_at
                if deadline.escalate_at <= end:
                    deadline.escalated_at = deadline.escalate_at
            deadline.next_action_at = next_action_at(deadline)
        plan.deadlines = list(opened.values())
        still_open = [d.due_at for d in plan.deadlines if d.is_open]
        plan.case.next_due_at = min(still_open) if still_open else None

    def _events(
        self,
        plan: _Planned,
        actions: list[tuple[str, dt.datetime]],
        *,
        decider: User | None,
        line_manager: User | None,
    ) -> None:
        case, people = plan.case, self.people

        def add(at: dt.datetime, **fields: object) -> None:
            plan.events.append(CaseEvent(case=case, **fields))
            plan.event_times.append(at)

        for number, report in enumerate(plan.reports):
            add(
                report.submitted_at,
                kind=EventKind.REPORT_RECEIVED if number == 0 else EventKind.REPORT_JOINED,
                actor=report.reporter,
                report=report,
                to_state=CaseState.NEW if number == 0 else "",
                note=f"Report {report.reference} received.",
            )
        actors = {
            "withdraw": plan.reports[0].reporter,
            "start_triage": people.get("tara.triage"),
            "dismiss": people.get("tara.triage"),
            "route_to_manager": people.get("tara.triage"),
            "escalate": people.get("tara.triage"),
            "resolve_informally": line_manager,
            "request_investigation": line_manager,
            "submit_findings": people.get("ian.investigator"),
            "record_outcome": decider,
        }
        previous: str = CaseState.NEW
        for action, at in actions[1:]:
            state = _state_after(action)
            add(
                at,
                kind=EventKind.TRANSITION,
                action=action,
                actor=actors[action],
                from_state=previous,
                to_state=state,
                note="Recorded in the demo history.",
            )
            if action in ("escalate", "request_investigation"):
                add(
                    at,
                    kind=EventKind.ASSIGNMENT,
                    action="assign",
                    actor=people.get("hannah.hrlead"),
                    to_state=state,
                    note="Investigator and decision maker assigned.",
                )
            previous = state
