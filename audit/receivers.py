"""Where the trail listens to the framework: sign-ins, failed sign-ins, lockouts, connections.

Timeline lines are not heard here: the service that writes one writes its
audit row too, with ``casework.timeline.case_event_record``.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.http import HttpRequest

from audit.guard import sqlite_functions_install
from audit.models import AuditKind
from audit.services import audit_record, username_fingerprint
from directory.models import User
from directory.sso import SIGN_IN_METHOD, Refusal, sso_sign_in_refused
from organisations.models import Organisation


@receiver(connection_created, dispatch_uid="audit_sqlite_functions")
def _connection_created(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    sqlite_functions_install(connection)


@receiver(user_logged_in, dispatch_uid="audit_signed_in")
def _signed_in(sender: object, request: HttpRequest | None, user: User, **kwargs: object) -> None:
    # A single sign-on names the organisation whose provider vouched for the person.
    session = getattr(request, "session", None)
    method = session.get(SIGN_IN_METHOD) if session is not None else None
    audit_record(
        kind=AuditKind.SIGNED_IN,
        actor=user,
        request=request,
        detail=method if isinstance(method, dict) else None,
    )


@receiver(sso_sign_in_refused, dispatch_uid="audit_sso_refused")
def _sso_refused(
    sender: object,
    request: HttpRequest,
    organisation: Organisation | None,
    reason: Refusal,
    email: str = "",
    **kwargs: object,
) -> None:
    # Written like a failed password sign-in: no actor, and only a fingerprint of the email.
    detail: dict[str, object] = {
        "method": "sso",
        "organisation": organisation.short_name if organisation is not None else "",
        "reason": reason.value,
    }
    if email:
        detail["username_sha256"] = username_fingerprint(email)
    audit_record(kind=AuditKind.SIGN_IN_FAILED, actor=None, request=request, detail=detail)


def _tried(credentials: dict[str, object]) -> str:
    value = credentials.get("username") or credentials.get(User.USERNAME_FIELD) or ""
    return str(value)


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def _sign_in_failed(
    sender: object,
    credentials: dict[str, object],
    request: HttpRequest | None = None,
    **kwargs: object,
) -> None:
    # Only a fingerprint of the username: never the text typed, never the password.
    audit_record(
        kind=AuditKind.SIGN_IN_FAILED,
        actor=None,
        request=request,
        detail={"username_sha256": username_fingerprint(_tried(credentials))},
    )


if apps.is_installed("axes"):
    from axes.signals import user_locked_out

    @receiver(user_locked_out, dispatch_uid="audit_locked_out")
    def _locked_out(
        sender: object,
        request: HttpRequest | None = None,
        username: str | None = None,
        **kwargs: object,
    ) -> None:
        audit_record(
            kind=AuditKind.LOCKED_OUT,
            actor=None,
            request=request,
            detail={"username_sha256": username_fingerprint(username or "")},
        )
