"""Finding who holds a role, for whatever app decides who hears what."""

from __future__ import annotations

from directory.models import Role, User


def role_members(role: Role) -> list[User]:
    return list(User.objects.filter(groups__role__code=role, is_active=True))
