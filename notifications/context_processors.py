from __future__ import annotations

from django.http import HttpRequest

from kit.paging import tally
from notifications.selectors import notifications_for

# The header's badge counts unread notifications this far, then shows "99+".
BADGE_CAP = 99


def unread(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: pages that don't show the header (downloads, redirects) never run the count.
    return {
        "unread_count": lambda: tally(
            notifications_for(user).filter(read_at__isnull=True), cap=BADGE_CAP
        )
    }
