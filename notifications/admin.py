from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from incidents.admin import ReadOnlyAdminMixin
from notifications.models import DeliveryStatus, Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["subject", "recipient", "kind", "created_at", "email_status", "email_attempts", "email_sent_at"]
    list_filter = ["email_status", "kind"]
    search_fields = ["recipient__email", "subject"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    actions = ["retry_failed"]

    @admin.action(description="Try sending the selected failed emails again")
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        count = queryset.filter(email_status=DeliveryStatus.FAILED).update(
            email_status=DeliveryStatus.PENDING, email_due_at=timezone.now(), email_attempts=0
        )
        self.message_user(request, f"{count} email(s) queued to be sent again.", messages.SUCCESS)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Needed for the retry action; every field stays read-only.
        return request.user.is_superuser

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return [field.name for field in Notification._meta.fields]
