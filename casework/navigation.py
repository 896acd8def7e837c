"""The links the access rules give a signed-in user, in the order the navigation shows them."""

from __future__ import annotations

from django.urls import reverse

from casework.access import (
    handles_cases,
    may_export_subject_access,
    may_see_audit_log,
    may_see_governance,
    may_see_triage_queue,
)
from directory.models import User


def access_links(user: User) -> list[tuple[str, str]]:
    entries: list[tuple[str, str]] = []
    # Those whose role is case work; anyone else with a case waiting on them (a line manager,
    # say) finds it on their home page and in the email that told them.
    if handles_cases(user):
        entries.append(("My work", reverse("casework:my_work")))
    if may_see_triage_queue(user):
        entries.append(("Triage queue", reverse("casework:triage_queue")))
    if handles_cases(user):
        entries.append(("Cases", reverse("casework:case_list")))
    if may_see_governance(user):
        entries.append(("Governance figures", reverse("governance:dashboard")))
    if may_see_audit_log(user):
        entries.append(("Audit trail", reverse("audit:log")))
    if may_export_subject_access(user):
        entries.append(("Subject access requests", reverse("records:subject_access")))
    return entries
