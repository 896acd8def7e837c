"""What a case summary holds: plain data, built from a case for one audience.

The renderer takes a ``SummaryData`` and returns PDF bytes; it never touches
the database. Whatever an audience may not see is simply not in the data
(a confidential reporter's name is replaced before rendering), so no
renderer bug can leak it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import ClassVar


class Variant:
    FULL = "full"
    MANAGER = "manager"
    EMPLOYEE = "employee"

    LABELS: ClassVar[dict[str, str]] = {
        FULL: "Full case summary",
        MANAGER: "Line manager's summary",
        EMPLOYEE: "Employee's hearing bundle",
    }


@dataclass(frozen=True)
class Person:
    role: str  # e.g. "Person who posted", "Reporter", "Line manager"
    name: str  # "Withheld — confidential" where the audience may not know


@dataclass(frozen=True)
class ReportItem:
    reference: str
    platform: str
    seen_at: dt.datetime
    posted_at: dt.datetime | None
    submitted_at: dt.datetime
    reporter: str
    description: str
    links: tuple[str, ...]
    shows_patient: str
    welfare_risk: str


@dataclass(frozen=True)
class PrincipleItem:
    reference: str  # e.g. "§5"
    title: str
    policy: str  # the policy it belongs to, with version
    investigated_under: str


@dataclass(frozen=True)
class EvidenceFileItem:
    name: str
    report_reference: str
    content_type: str  # image/png, image/jpeg or application/pdf
    size: int
    sha256: str
    added_by: str
    added_at: dt.datetime
    # The file's bytes, for embedding screenshots; None for files that aren't images.
    image: bytes | None = None


@dataclass(frozen=True)
class EvidenceLinkItem:
    url: str
    report_reference: str
    added_by: str
    added_at: dt.datetime


@dataclass(frozen=True)
class EventItem:
    at: dt.datetime
    actor: str
    what: str  # e.g. "State changed: In triage → Line manager review"
    note: str


@dataclass(frozen=True)
class FindingItem:
    principle: str
    upheld: bool


@dataclass(frozen=True)
class DeadlineItem:
    what: str
    due_at: dt.datetime
    status: str  # "Met", "Met late", "Overdue", "Open", "Not needed"


@dataclass(frozen=True)
class SummaryData:
    variant: str
    variant_label: str
    reference: str
    state: str
    generated_at: dt.datetime
    generated_for: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    policy_versions: tuple[str, ...]  # e.g. "Social Media Policy, version 6 (expired 29 June 2019)"
    flags: tuple[str, ...]
    deadlines: tuple[DeadlineItem, ...]
    people: tuple[Person, ...]
    reports: tuple[ReportItem, ...]
    principles: tuple[PrincipleItem, ...]
    links: tuple[EvidenceLinkItem, ...]
    files: tuple[EvidenceFileItem, ...]
    timeline: tuple[EventItem, ...]
    triage_summary: str = ""
    terms_of_reference: str = ""
    evidence_summary: str = ""
    interview_records: str = ""
    recommendation: str = ""
    findings: tuple[FindingItem, ...] = field(default_factory=tuple)
    outcome: str = ""
    outcome_rationale: str = ""
    appeal_deadline: dt.date | None = None
    informal_action: str = ""
