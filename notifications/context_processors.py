from __future__ import annotations

from django.http import HttpRequest

from notifications.models import Notification


def unread(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: pages that don't show the header (downloads, redirects) never run the count.
    return {"unread_count": lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count()}
