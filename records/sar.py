"""Everything Flagpost holds about one person, gathered for a subject access request.

``sar_collect`` reads the data (a fixed number of queries per part) and
replaces every other person by their role on the case: "Reporter 1",
"Triage officer", "The person who posted". A confidential reporter is one of
the numbered reporters like any other, so nothing marks them out. Free text
written by staff keeps its words, with the names and work emails of the
people on the case replaced by their roles. ``sar_archive`` turns the
collected data into a zip: README.txt, subject-access.json, subject-access.html
and the evidence files the person gave.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone

from audit.models import AuditEvent, AuditKind
from audit.services import username_fingerprint
from casework.access import case_ids_about
from casework.models import Case, CaseEvent, CaseState, EventKind, HandleLink, ReporterStatus
from directory.models import EmploymentType, Role, User
from incidents.models import Answer, EvidenceFile, Platform, PosterKind, Report
from kit.clock import moment_text
from notifications.models import Notification

YOU = "You"
POSTER = "The person who posted"
SOMEONE = "Another member of staff"
_ROLE_FIELDS = (
    ("triaged_by", "Triage officer"),
    ("line_manager", "Line manager of the person who posted"),
    ("investigator", "Investigator"),
    ("decision_maker", "Decision maker"),
)
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "application/pdf": "pdf"}
_POSTER_NAMED: dict[str, str] = {
    PosterKind.COLLEAGUE: "A colleague you named (withheld as a third party)",
    PosterKind.HANDLE: "An account name or handle you gave (withheld as a third party)",
}


@dataclass
class Collected:
    subject: User
    generated_at: dt.datetime
    data: dict[str, Any]
    files: list[tuple[str, EvidenceFile]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "reports_made": len(self.data["reports_made"]),
            "cases_about_you": len(self.data["cases_about_you"]),
            "actions_taken": len(self.data["actions_taken"]),
            "notifications": len(self.data["notifications"]),
            "audit_entries": len(self.data["audit_entries"]),
            "files": len(self.files),
        }


def _when(moment: dt.datetime | dt.date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, dt.datetime):
        return timezone.localtime(moment).isoformat(timespec="minutes")
    return moment.isoformat()


def _label(choices: type, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


class Roles:
    """Who is who on one case, from the point of view of the subject."""

    def __init__(self, case: Case, subject: User) -> None:
        self.names: dict[int, str] = {subject.pk: YOU}
        self.people: dict[int, User] = {}
        reporters = sorted(case.reports.all(), key=lambda report: (report.submitted_at, report.pk))
        for report in reporters:
            self._add(report.reporter, f"Reporter {self._reporter_number(report.reporter_id)}")
        for report in reporters:
            self._add(report.poster, POSTER)
        self._add(case.poster, POSTER)
        for attribute, role in _ROLE_FIELDS:
            self._add(getattr(case, attribute), role)

    def _reporter_number(self, person_id: int) -> int:
        numbered = [
            name
            for pk, name in self.names.items()
            if name.startswith("Reporter ") and pk != person_id
        ]
        return len(numbered) + 1

    def _add(self, person: User | None, role: str) -> None:
        if person is None or person.pk in self.names:
            return
        self.names[person.pk] = role
        self.people[person.pk] = person

    def of(self, person_id: int | None) -> str:
        if person_id is None:
            return "Flagpost"
        return self.names.get(person_id, SOMEONE)

    def scrub(self, text: str) -> str:
        """The text with each other person's full name and work email replaced by their role."""
        for person_id, person in self.people.items():
            role = self.names[person_id]
            for said in {person.get_full_name().strip(), person.email}:
                if len(said) >= 3:
                    text = re.sub(re.escape(said), role, text, flags=re.IGNORECASE)
        return text


class RolesByCase:
    """One ``Roles`` per case, made when first needed (the audit trail can name a case thousands of times)."""

    def __init__(self, cases: dict[int, Case], subject: User) -> None:
        self.cases, self.subject = cases, subject
        self._made: dict[int, Roles] = {}

    def scrub(self, case_id: int | None, text: str) -> str:
        if case_id is None or case_id not in self.cases:
            return text
        if case_id not in self._made:
            self._made[case_id] = Roles(self.cases[case_id], self.subject)
        return self._made[case_id].scrub(text)


def _cases(query: Q) -> list[Case]:
    return list(
        Case.objects.filter(query)
        .distinct()
        .select_related("poster", "triaged_by", "line_manager", "investigator", "decision_maker")
        .prefetch_related(
            Prefetch("reports", queryset=Report.objects.select_related("reporter", "poster")),
            "principles__investigated_under",
            "findings__principle",
            Prefetch("events", queryset=CaseEvent.objects.order_by("at", "pk")),
        )
        .order_by("created_at", "pk")
    )


def _profile(subject: User) -> dict[str, Any]:
    service = subject.service
    return {
        "name": subject.get_full_name(),
        "work_email": subject.email,
        "job_title": subject.job_title,
        "employment_type": _label(EmploymentType, subject.employment_type),
        "service": service.name if service else None,
        "directorate": service.directorate.name if service else None,
        "line_manager": "Recorded (name withheld as a third party)"
        if subject.line_manager_id
        else "None recorded",
        "roles": sorted(str(Role(code).label) for code in subject.role_codes),
        "account_active": subject.is_active,
        "joined": _when(subject.date_joined),
        "last_signed_in": _when(subject.last_login),
        "email_preference": subject.get_email_preference_display(),
        "handles_linked_to_you": [
            {
                "handle": link.handle,
                "linked_at": _when(link.linked_at),
                "linked_by": "Triage officer or HR lead",
            }
            for link in HandleLink.objects.filter(user=subject).order_by("linked_at", "pk")
        ],
    }


def _reports_made(subject: User, roles: RolesByCase) -> tuple[list[dict[str, Any]], list]:
    rows, files = [], []
    reports = (
        Report.objects.filter(reporter=subject)
        .select_related("case")
        .prefetch_related("principles", "links", "files")
        .order_by("submitted_at", "pk")
    )
    for report in reports:
        named = _POSTER_NAMED.get(report.poster_kind, "You did not know who posted it")
        report_files = []
        for n, evidence in enumerate(report.files.all(), start=1):
            extension = _EXTENSIONS.get(evidence.content_type, "bin")
            path = f"evidence/{report.reference}/{n}-{evidence.sha256[:12]}.{extension}"
            files.append((path, evidence))
            report_files.append(
                {
                    "file_in_this_archive": path,
                    "name_you_gave": evidence.original_name,
                    "type": evidence.content_type,
                    "size_bytes": evidence.size,
                    "sha256": evidence.sha256,
                    "added_at": _when(evidence.added_at),
                }
            )
        rows.append(
            {
                "reference": report.reference,
                "submitted_at": _when(report.submitted_at),
                "status": _label(ReporterStatus, report.case.reporter_status),
                "platform": _label(Platform, report.platform),
                "seen_at": _when(report.seen_at),
                "posted_at": _when(report.posted_at),
                "what_the_post_shows_in_your_words": roles.scrub(
                    report.case_id, report.description
                ),
                "who_posted_it": named,
                "principles_you_chose": [principle.title for principle in report.principles.all()],
                "shows_a_patient": _label(Answer, report.shows_patient),
                "welfare_risk": _label(Answer, report.welfare_risk),
                "you_asked_for_confidentiality": report.confidential,
                "links_you_gave": [
                    {"url": link.url, "added_at": _when(link.added_at)}
                    for link in report.links.all()
                ],
                "files_you_gave": report_files,
            }
        )
    return rows, files


def _case_about(case: Case, subject: User) -> dict[str, Any]:
    roles = Roles(case, subject)
    reports = sorted(case.reports.all(), key=lambda report: (report.submitted_at, report.pk))
    return {
        "reference": case.reference,
        "opened": _when(case.created_at),
        "stage": _label(CaseState, case.state),
        "closed": _when(case.closed_at),
        "how_it_closed": case.get_closure_display() if case.closure else None,
        "outcome": case.get_outcome_display() if case.outcome else None,
        "appeal_deadline": _when(case.appeal_deadline),
        "flags": [str(flag.label) for flag in case.active_flags],
        "reports": [
            {
                "reporter": roles.of(report.reporter_id),
                "received": _when(report.submitted_at),
                "platform": _label(Platform, report.platform),
            }
            for report in reports
        ],
        "principles_alleged": [
            {
                "reference": principle.reference,
                "title": principle.title,
                "investigated_under": getattr(principle.investigated_under, "title", None),
            }
            for principle in case.principles.all()
        ],
        "timeline": [
            {
                "at": _when(event.at),
                "what": _label(EventKind, event.kind),
                **(
                    {
                        "from": _label(CaseState, event.from_state),
                        "to": _label(CaseState, event.to_state),
                    }
                    if event.kind == EventKind.TRANSITION
                    else {}
                ),
            }
            for event in case.events.all()
        ],
        "findings": [
            {
                "principle": finding.principle.title,
                "upheld": finding.upheld,
                "note": roles.scrub(finding.note),
            }
            for finding in case.findings.all()
        ],
        "informal_action": roles.scrub(case.informal_action),
        "outcome_rationale": roles.scrub(case.outcome_rationale),
    }


def _actions(subject: User, roles: RolesByCase) -> list[dict[str, Any]]:
    rows = []
    for event in (
        CaseEvent.objects.filter(actor=subject).select_related("case").order_by("at", "pk")
    ):
        rows.append(
            {
                "case": event.case.reference,
                "at": _when(event.at),
                "what": _label(EventKind, event.kind),
                "action": event.action,
                "your_note": roles.scrub(event.case_id, event.note),
            }
        )
    return rows


def _roles_held(subject: User, cases: Iterable[Case]) -> list[dict[str, str]]:
    held = []
    for case in cases:
        for attribute, role in _ROLE_FIELDS:
            if getattr(case, f"{attribute}_id") == subject.pk:
                held.append({"case": case.reference, "role": role})
    return held


def _notifications(subject: User) -> list[dict[str, Any]]:
    # The subject line only: bodies can name the people on a case, and the line says what it was about.
    return [
        {
            "sent_at": _when(item.created_at),
            "kind": item.get_kind_display(),
            "subject": item.subject,
            "read_at": _when(item.read_at),
            "email": item.get_email_status_display(),
        }
        for item in Notification.objects.filter(recipient=subject).order_by("created_at", "pk")
    ]


def _audit(subject: User, roles: RolesByCase) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    entries = []
    for event in AuditEvent.objects.filter(actor=subject).order_by("seq").iterator(chunk_size=2000):
        detail = {
            key: roles.scrub(event.case_id, value) if isinstance(value, str) else value
            for key, value in (event.detail or {}).items()
        }
        entries.append(
            {
                "entry": event.seq,
                "at": _when(event.at),
                "what": event.get_kind_display(),
                "case": event.case_reference or None,
                "from_address": event.ip_address or None,
                "detail": detail,
            }
        )
    fingerprint = username_fingerprint(subject.email)
    attempts = [
        {
            "entry": event.seq,
            "at": _when(event.at),
            "what": event.get_kind_display(),
            "from_address": event.ip_address or None,
        }
        for event in AuditEvent.objects.filter(
            kind__in=[AuditKind.SIGN_IN_FAILED, AuditKind.LOCKED_OUT],
            detail__username_sha256=fingerprint,
        ).order_by("seq")
    ]
    return entries, attempts


def sar_collect(subject: User, *, now: dt.datetime | None = None) -> Collected:
    """Everything about ``subject``, with third parties replaced by their roles."""
    now = now or timezone.now()
    about = Q(pk__in=case_ids_about(subject))
    took_part = (
        Q(triaged_by=subject)
        | Q(line_manager=subject)
        | Q(investigator=subject)
        | Q(decision_maker=subject)
        | Q(events__actor=subject)
    )
    reported = Q(reports__reporter=subject)
    cases = {case.pk: case for case in _cases(about | took_part | reported)}
    about_ids = set(Case.objects.filter(about).values_list("pk", flat=True))
    roles = RolesByCase(cases, subject)
    reports_made, files = _reports_made(subject, roles)
    audit_entries, sign_in_attempts = _audit(subject, roles)
    data = {
        "about_this_archive": {
            "subject": subject.get_full_name() or subject.email,
            "generated_at": _when(now),
            "third_parties": "Every other person is shown by their role on the case, never by name.",
        },
        "you_in_the_staff_directory": _profile(subject),
        "reports_made": reports_made,
        "cases_about_you": [_case_about(cases[pk], subject) for pk in cases if pk in about_ids],
        "roles_you_held_on_cases": _roles_held(
            subject, (case for pk, case in cases.items() if pk not in about_ids)
        ),
        "actions_taken": _actions(subject, roles),
        "notifications": _notifications(subject),
        "audit_entries": audit_entries,
        "sign_in_attempts_with_your_email": sign_in_attempts,
    }
    return Collected(subject=subject, generated_at=now, data=data, files=files)


README = """\
Subject access archive from Flagpost
====================================

Prepared for: {name}
Prepared on:  {when}

Flagpost is the organisation's system for reports of social-media posts that
may break the Social Media Policy, and for the cases that follow them. This
archive holds everything Flagpost keeps about you, twice over:

  subject-access.html   to read in a web browser
  subject-access.json   the same information, for a computer to read
  evidence/             the files you attached to your own reports ({files} file(s))

What is in it
-------------
* You in the staff directory: your name, work email, job, service and roles.
* Reports you made ({reports_made}): your own words, the links and files you
  gave, and the status of each report.
* Cases about you ({cases_about_you}): when each was opened and closed, its
  stage, the principles of the policy it was about, its timeline (what
  happened and when), the findings and the outcome.
* Actions you took on cases ({actions_taken}), for example as a triage officer,
  line manager, investigator or decision maker, and the notes you wrote.
* Notifications Flagpost sent you ({notifications}): when, and their subject line.
* The audit trail ({audit_entries} entries): the pages you opened, the files
  you downloaded and the changes you made, with when and from which address;
  and any failed attempts to sign in with your email address.

Other people
------------
Other people's identities are withheld. Each is shown by their role on the
case instead ("Reporter 1", "Triage officer", "Investigator", "The person who
posted"). Where staff wrote free text, it is given as written, with the names
and work email addresses of the people on the case replaced by their roles.
The reports other people made about you are listed by date and site; their
own descriptions and the evidence they attached are not included, because
they could identify the person who made the report.

Questions about this archive go to the organisation's information governance
lead, who prepared it.
"""


def _zip_bytes(entries: list[tuple[str, bytes]], when: dt.datetime) -> bytes:
    buffer = io.BytesIO()
    stamp = timezone.localtime(when).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()


def sar_archive(collected: Collected) -> bytes:
    """The zip handed to the person: README.txt, JSON, HTML and their evidence files."""
    counts = collected.counts
    readme = README.format(
        name=collected.subject.get_full_name() or collected.subject.email,
        when=moment_text(collected.generated_at, "j F Y, H:i"),
        **counts,
    )
    body = json.dumps(collected.data, ensure_ascii=False, indent=2, default=str)
    html = render_to_string("records/sar_archive.html", {"data": collected.data, "counts": counts})
    entries = [
        ("README.txt", readme.encode("utf-8")),
        ("subject-access.json", body.encode("utf-8")),
        ("subject-access.html", html.encode("utf-8")),
    ]
    for path, evidence in collected.files:
        try:
            with evidence.file.open("rb") as handle:
                entries.append((path, handle.read()))
        except OSError:
            missing = b"This file could not be read from storage when the archive was made."
            entries.append((path + ".missing.txt", missing))
    return _zip_bytes(entries, collected.generated_at)
