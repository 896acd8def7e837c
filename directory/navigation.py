from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from directory.models import Role, User


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool


def navigation_for(user: User, *, current_path: str) -> list[NavLink]:
    entries: list[tuple[str, str]] = [
        ("Report a post", reverse("incidents:report_create")),
        ("My reports", reverse("incidents:my_reports")),
    ]
    # Imported here: casework's models import this app's, so a top-level import would loop.
    from casework.access import (
        may_export_subject_access,
        may_see_audit_log,
        may_see_governance,
        may_see_triage_queue,
    )

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
    if user.is_staff or user.has_role(Role.ADMINISTRATOR):
        entries.append(("Administration", reverse("admin:index")))
    return [NavLink(label, url, current_path == url) for label, url in entries]
