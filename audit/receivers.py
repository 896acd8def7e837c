"""Where the trail listens: timeline lines, sign-ins, failed sign-ins and lockouts.

Case events are recorded from the timeline's own save signal because the
timeline is written by several apps (intake, casework, summaries); listening
at the one table they all write means none of them can forget, and the row
is written in the same transaction as the event.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.backends.signals import connection_created
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest

from audit.guard import sqlite_functions_install
from audit.models import AuditKind
from audit.services import audit_record, username_fingerprint
from casework.models import CaseEvent, EventKind
from directory.models import User


@receiver(connection_created, dispatch_uid="audit_sqlite_functions")
def _connection_created(sender: object, connection: object, **kwargs: object) -> None:
    sqlite_functions_install(connection)


@receiver(post_save, sender=CaseEvent, dispatch_uid="audit_case_event")
def _case_event_saved(sender: type, instance: CaseEvent, created: bool, raw: bool = False,
                      **kwargs: object) -> None:
    # A summary download is recorded by the download itself, with the file's details: one row, not two.
    if not created or raw or instance.kind == EventKind.SUMMARY_DOWNLOADED:
        return
    detail: dict[str, object] = {"event": instance.kind}
    if instance.action:
        detail["action"] = instance.action
    if instance.from_state and instance.from_state != instance.to_state:
        detail["from"] = instance.from_state
    if instance.to_state:
        detail["to"] = instance.to_state
    if instance.report_id:
        detail["report"] = instance.report.reference
    audit_record(kind=AuditKind.CASE_EVENT, actor=instance.actor, case=instance.case, detail=detail)


@receiver(user_logged_in, dispatch_uid="audit_signed_in")
def _signed_in(sender: object, request: HttpRequest | None, user: User, **kwargs: object) -> None:
    audit_record(kind=AuditKind.SIGNED_IN, actor=user, request=request)


def _tried(credentials: dict[str, object]) -> str:
    value = credentials.get("username") or credentials.get(User.USERNAME_FIELD) or ""
    return str(value)


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def _sign_in_failed(sender: object, credentials: dict[str, object], request: HttpRequest | None = None,
                    **kwargs: object) -> None:
    # Only a fingerprint of the username: never the text typed, never the password.
    audit_record(kind=AuditKind.SIGN_IN_FAILED, actor=None, request=request,
                 detail={"username_sha256": username_fingerprint(_tried(credentials))})


if apps.is_installed("axes"):
    from axes.signals import user_locked_out

    @receiver(user_locked_out, dispatch_uid="audit_locked_out")
    def _locked_out(sender: object, request: HttpRequest | None = None, username: str | None = None,
                    **kwargs: object) -> None:
        audit_record(kind=AuditKind.LOCKED_OUT, actor=None, request=request,
                     detail={"username_sha256": username_fingerprint(username or "")})
