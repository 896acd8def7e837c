"""How long a sign-in lasts, and who is counted when sign-ins fail.

A session ends after ``SESSION_IDLE_TIMEOUT_SECONDS`` without a request and,
however busy, ``SESSION_ABSOLUTE_TIMEOUT_SECONDS`` after signing in: a shared
ward computer left signed in must not stay a way into case files. A
deactivated account's session stops working on its next request because
``ModelBackend.get_user`` refuses inactive users.

The sign-in time is written by the ``user_logged_in`` receiver below. This
module is imported before anyone can sign in (it holds the first
authentication backend and a middleware), so the receiver is always
connected; the middleware still stamps a session that somehow lacks the time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

SIGNED_IN_AT = "flagpost_signed_in_at"
LAST_SEEN_AT = "flagpost_last_seen_at"
# Recording activity at most once a minute spares a session write on every request;
# the idle limit is then kept to within a minute, which is all it needs.
_ACTIVITY_RESOLUTION_SECONDS = 60


def _now() -> float:
    return timezone.now().timestamp()


@receiver(user_logged_in, dispatch_uid="flagpost-session-signed-in")
def _stamp_sign_in(sender: type, request: HttpRequest | None, user: Any, **kwargs: object) -> None:
    if request is None or not hasattr(request, "session"):
        return
    now = _now()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def session_expiry_reason(*, signed_in_at: float, last_seen_at: float, now: float) -> str | None:
    """Why a session stamped with these times has ended, or ``None`` while it is live."""
    absolute = settings.SESSION_ABSOLUTE_TIMEOUT_SECONDS
    idle = settings.SESSION_IDLE_TIMEOUT_SECONDS
    if now - signed_in_at >= absolute:
        return (
            f"You were signed out because you had been signed in for {_duration(absolute)}. "
            "Sign in again to carry on."
        )
    if now - last_seen_at >= idle:
        return (
            f"You were signed out after {_duration(idle)} without activity. "
            "Sign in again to carry on."
        )
    return None


def session_ends_at(session: Mapping[str, Any]) -> dt.datetime | None:
    """When a live session ends if no further request comes: idle or absolute, whichever is first."""
    signed_in_at = session.get(SIGNED_IN_AT)
    last_seen_at = session.get(LAST_SEEN_AT)
    if signed_in_at is None or last_seen_at is None:
        return None
    ends = min(
        float(signed_in_at) + settings.SESSION_ABSOLUTE_TIMEOUT_SECONDS,
        float(last_seen_at) + settings.SESSION_IDLE_TIMEOUT_SECONDS,
    )
    return dt.datetime.fromtimestamp(ends, tz=dt.UTC)


class SessionLifetimeMiddleware:
    """Ends a signed-in session that has been idle or alive too long."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            session = request.session
            now = _now()
            if SIGNED_IN_AT not in session or LAST_SEEN_AT not in session:
                session.setdefault(SIGNED_IN_AT, now)
                session[LAST_SEEN_AT] = now
            signed_in_at: float = session[SIGNED_IN_AT]
            last_seen_at: float = session[LAST_SEEN_AT]
            reason = session_expiry_reason(
                signed_in_at=signed_in_at, last_seen_at=last_seen_at, now=now
            )
            if reason is not None:
                # logout() flushes the session: the old cookie is worthless from here on.
                logout(request)
                messages.info(request, reason)
                return redirect_to_login(request.get_full_path())
            if now - last_seen_at >= _ACTIVITY_RESOLUTION_SECONDS:
                session[LAST_SEEN_AT] = now
        return self.get_response(request)


class SignInLockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for sign-ins that come over the web.

    Code that calls ``authenticate`` without a request (the test client's
    ``login``, a shell) already holds the password and has no address to lock
    out, so it is passed on to the next backend instead of being refused.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def sign_in_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The email a sign-in attempt is counted against: Jo@ and jo@ are one person."""
    if credentials:
        value = credentials.get("username")
    else:
        value = request.POST.get("username")
    if not isinstance(value, str):
        return None
    return value.strip().lower() or None


def client_ip_address(request: HttpRequest) -> str | None:
    """The address a sign-in attempt came from.

    Each trusted proxy appends the address it received the request from to
    ``X-Forwarded-For``; anything further left was written by the client and
    can be forged, so the address is counted from the right.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < hops:
        return remote
    return forwarded[-hops]
