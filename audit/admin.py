"""The trail in the admin: to read and filter, never to add, change or delete."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from audit.models import AuditCheck, AuditEvent


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_superuser


@admin.register(AuditEvent)
class AuditEventAdmin(_ReadOnly):
    list_display = ["seq", "at", "kind", "actor", "case_reference", "ip_address"]
    list_filter = ["kind", "at"]
    search_fields = ["case_reference", "actor__email", "ip_address"]
    date_hierarchy = "at"
    list_select_related = ["actor"]
    readonly_fields = ["seq", "at", "kind", "actor", "case", "case_reference", "detail", "ip_address",
                       "prev_hash", "hash"]
    # Counting a very long trail for every page of the list is wasted work.
    show_full_result_count = False


@admin.register(AuditCheck)
class AuditCheckAdmin(_ReadOnly):
    list_display = ["at", "ok", "rows_verified", "first_bad_seq", "problem", "alerted", "by"]
    list_filter = ["ok", "alerted"]
    readonly_fields = ["at", "by", "ok", "rows_verified", "first_bad_seq", "problem", "message", "alerted"]
