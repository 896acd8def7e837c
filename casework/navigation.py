"""The links the access rules give a signed-in user, in the order the navigation shows them."""

from __future__ import annotations

from django.urls import reverse

from casework.access import (
    may_export_subject_access,
    may_see_audit_log,
    may_see_governance,
    may_see_triage_queue,
)
from directory.models import Role, User


def access_links(user: User) -> list[tuple[str, str]]:
    entries: list[tuple[str, str]] = []
    if may_see_triage_queue(user):
        entries.append(("Triage queue", reverse("casework:triage_queue")))
    # Governance members see figures, never cases.
    if not (user.has_role(Role.GOVERNANCE) and len(user.role_codes) == 1):
        entries.append(("Cases", reverse("casework:case_list")))
    if may_see_governance(user):
        entries.append(("Governance figures", reverse("governance:dashboard")))
    if may_see_audit_log(user):
        entries.append(("Audit trail", reverse("audit:log")))
    if may_export_subject_access(user):
        entries.append(("Subject access requests", reverse("records:subject_access")))
    return entries
