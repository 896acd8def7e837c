from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from casework.models import Case, CaseEvent
from incidents.admin import ReadOnlyAdminMixin


class CaseEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CaseEvent
    fields = ["at", "kind", "actor", "from_state", "to_state", "note"]
    readonly_fields = fields
    extra = 0


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """The state is shown, never edited: it only changes through the case's actions."""

    list_display = ["reference", "state", "created_at", "updated_at"]
    list_filter = ["state"]
    search_fields = ["reference", "reports__reference"]
    date_hierarchy = "created_at"
    readonly_fields = ["reference", "state", "created_at", "updated_at", "policy_versions"]
    inlines = [CaseEventInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_superuser
