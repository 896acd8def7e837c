"""Notifications in the admin: delivery to watch and retry, not messages to read.

The bodies stay out: they were written for their recipient (a line manager's
case details, a reporter's receipt), and a line manager's note that a member
of their team made a report names them. A reporter's own receipt or closing
note shows the recipient as "Confidential reporter" when they have reported
in confidence, and a search for them doesn't find it. Notifications of a
case about the signed-in person are left out.
"""

from __future__ import annotations

import re

from django.contrib import admin, messages
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from casework.admin_privacy import NotAboutThemAdminMixin, WithheldPeopleSearchMixin, person_shown
from incidents.models import Report
from kit.admin import LargeTableAdminMixin, ReadOnlyAdminMixin
from notifications.models import DeliveryStatus, Notification, NotificationKind

# What a reporter is sent about their own report: whom it went to says who reported.
REPORTER_KINDS = [NotificationKind.REPORT_RECEIPT, NotificationKind.REPORT_CLOSED]


@admin.register(Notification)
class NotificationAdmin(
    LargeTableAdminMixin,
    WithheldPeopleSearchMixin,
    NotAboutThemAdminMixin,
    ReadOnlyAdminMixin,
    admin.ModelAdmin,
):
    list_display = [
        "subject",
        "recipient_shown",
        "kind",
        "created_at",
        "email_status",
        "email_attempts",
        "email_sent_at",
    ]
    list_filter = ["email_status", "kind", "created_at"]
    search_fields = ["subject"]
    person_search_fields = ("recipient__email",)
    list_select_related = ["recipient"]
    sortable_by = ("created_at",)
    actions = ["retry_failed"]
    fields = readonly_fields = (
        "recipient_shown",
        "kind",
        "subject",
        "link",
        "case",
        "urgent",
        "created_at",
        "read_at",
        "email_status",
        "email_due_at",
        "email_claimed_at",
        "email_attempts",
        "email_sent_at",
        "error_shown",
    )

    @admin.action(description="Try sending the selected failed emails again")
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        count = queryset.filter(email_status=DeliveryStatus.FAILED).update(
            email_status=DeliveryStatus.PENDING, email_due_at=timezone.now(), email_attempts=0
        )
        self.message_user(request, f"{count} email(s) queued to be sent again.", messages.SUCCESS)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notification]:
        # Anyone who has ever reported in confidence, rather than the one report the row is about: a
        # receipt names its report only in its text, and withholding too much here costs nothing.
        in_confidence = Exists(
            Report.objects.filter(reporter_id=OuterRef("recipient_id"), confidential=True)
        )
        return super().get_queryset(request).annotate(recipient_in_confidence=in_confidence)

    def person_searchable(self) -> Q:
        return ~Q(kind__in=REPORTER_KINDS) | Q(recipient_in_confidence=False)

    def _withheld(self, notification: Notification) -> bool:
        in_confidence: bool = notification.recipient_in_confidence  # type: ignore[attr-defined]  # annotated by get_queryset
        return notification.kind in REPORTER_KINDS and in_confidence

    @admin.display(description="recipient")
    def recipient_shown(self, notification: Notification) -> str:
        return person_shown(notification.recipient, withheld=self._withheld(notification))

    @admin.display(description="email error")
    def error_shown(self, notification: Notification) -> str:
        # A mail server's refusal often quotes the address it refused.
        error = notification.email_error
        if self._withheld(notification) and notification.recipient.email:
            error = re.sub(
                re.escape(notification.recipient.email), "[withheld]", error, flags=re.IGNORECASE
            )
        return error

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Needed for the retry action; every field stays read-only.
        return request.user.is_superuser
