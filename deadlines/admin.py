from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from casework.admin_privacy import NotAboutThemAdminMixin
from deadlines.models import Deadline, DeadlineRule
from kit.admin import LargeTableAdminMixin, ReadOnlyAdminMixin


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    """Administrators set how long each stage may take. New deadlines follow the change."""

    list_display = ["clock", "unit", "allowed", "remind_before", "escalate_after"]
    list_editable = ["allowed", "remind_before", "escalate_after"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Deadline)
class DeadlineAdmin(
    LargeTableAdminMixin, NotAboutThemAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    """A case's clocks; not those of a case about the signed-in person, which they never see."""

    list_display = [
        "case",
        "clock",
        "cycle",
        "due_at",
        "met_at",
        "cancelled_at",
        "reminder_sent_at",
        "overdue_sent_at",
        "escalated_at",
    ]
    list_filter = [
        "clock",
        ("met_at", admin.EmptyFieldListFilter),
        ("overdue_sent_at", admin.EmptyFieldListFilter),
        "due_at",
    ]
    search_fields = ["case__reference"]
    list_select_related = ["case"]
    sortable_by = ("due_at",)
