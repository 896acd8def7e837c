"""Retention runs, legal holds and subject access exports in the admin: to read, never to change.

Holds are placed and lifted from the case page, where the access rules and
the audit trail apply; runs and exports are records of what was done.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from casework.admin_privacy import NotAboutThemAdminMixin
from records.models import LegalHold, RetentionRun, SubjectAccessExport


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(RetentionRun)
class RetentionRunAdmin(_ReadOnly):
    list_display = [
        "started_at",
        "trigger",
        "month",
        "cases_due",
        "cases_anonymised",
        "files_removed",
        "error_count",
        "finished_at",
    ]
    list_filter = ["trigger"]
    date_hierarchy = "started_at"
    readonly_fields = [
        "trigger",
        "month",
        "started_at",
        "finished_at",
        "cases_due",
        "cases_anonymised",
        "files_removed",
        "errors",
    ]

    @admin.display(description="errors")
    def error_count(self, run: RetentionRun) -> int:
        return len(run.errors or [])


@admin.register(LegalHold)
class LegalHoldAdmin(NotAboutThemAdminMixin, _ReadOnly):
    # A hold's reason speaks of its case: not shown to the person the case is about.
    list_display = ["case", "in_force_display", "placed_at", "placed_by", "lifted_at", "lifted_by"]
    list_filter = [("lifted_at", admin.EmptyFieldListFilter)]
    search_fields = ["case__reference"]
    list_select_related = ["case", "placed_by", "lifted_by"]
    readonly_fields = [
        "case",
        "reason",
        "placed_by",
        "placed_at",
        "lifted_by",
        "lifted_at",
        "lift_reason",
    ]

    @admin.display(description="in force", boolean=True)
    def in_force_display(self, hold: LegalHold) -> bool:
        return hold.in_force


@admin.register(SubjectAccessExport)
class SubjectAccessExportAdmin(_ReadOnly):
    list_display = ["created_at", "subject", "requested_by", "size", "sha256"]
    search_fields = ["subject__email", "subject__last_name"]
    list_select_related = ["subject", "requested_by"]
    readonly_fields = ["created_at", "subject", "requested_by", "sha256", "size", "counts"]
