from __future__ import annotations

from django.http import HttpRequest

from notifications.selectors import notifications_for


def unread(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: pages that don't show the header (downloads, redirects) never run the count.
    return {"unread_count": lambda: notifications_for(user).filter(read_at__isnull=True).count()}
