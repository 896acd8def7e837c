"""The main navigation: everyone's own links, then what each app offers the signed-in user.

The apps that decide who may open a page sit above this one, so they add
their links here (from their ``AppConfig.ready``) rather than this module
asking them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from directory.models import Role, User

LinksFor = Callable[[User], list[tuple[str, str]]]

_sections: list[LinksFor] = []


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool


def navigation_section_add(links_for: LinksFor) -> None:
    """Offer more links, after those already added; adding the same section twice keeps one."""
    if links_for not in _sections:
        _sections.append(links_for)


def navigation_for(user: User, *, current_path: str) -> list[NavLink]:
    entries: list[tuple[str, str]] = [
        ("Report a post", reverse("incidents:report_create")),
        ("My reports", reverse("incidents:my_reports")),
    ]
    for links_for in _sections:
        entries.extend(links_for(user))
    if user.is_staff or user.has_role(Role.ADMINISTRATOR):
        entries.append(("Administration", reverse("admin:index")))
    return [NavLink(label, url, current_path == url) for label, url in entries]
