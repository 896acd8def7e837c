"""Finding who holds a role, for whatever app decides who hears what."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F

from directory.models import Role, User


def role_members(role: Role) -> list[User]:
    return list(User.objects.filter(groups__role__code=role, is_active=True))


def role_members_of(roles: Iterable[Role]) -> dict[Role, list[User]]:
    """The active members of each of ``roles``, in one query (each person once per role)."""
    wanted = {Role(role) for role in roles}
    members: dict[Role, list[User]] = {role: [] for role in wanted}
    if not wanted:
        return members
    people = (
        User.objects.filter(groups__role__code__in=[role.value for role in wanted], is_active=True)
        .annotate(held_role=F("groups__role__code"))
        .order_by("pk")
    )
    for person in people:
        members[Role(person.held_role)].append(person)
    return members
