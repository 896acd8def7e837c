from __future__ import annotations

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, object]:
    """The navigation links the signed-in user's roles give them."""
    from directory.navigation import navigation_for

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": []}
    return {"nav_links": navigation_for(user, current_path=request.path)}
