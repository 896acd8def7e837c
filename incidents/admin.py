"""Reports and evidence in the admin: to look at, never to change.

Evidence is append-only everywhere: no edit or delete here, so the record an
investigation relies on is the record the reporter made.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from incidents.models import EvidenceFile, EvidenceLink, Report


class ReadOnlyAdminMixin:
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class EvidenceLinkInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = EvidenceLink
    fields = ["url", "platform", "added_by", "added_at"]
    readonly_fields = fields
    extra = 0


class EvidenceFileInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = EvidenceFile
    fields = ["original_name", "content_type", "size", "sha256", "added_by", "added_at"]
    readonly_fields = fields
    extra = 0


@admin.register(Report)
class ReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["reference", "case", "platform", "submitted_at", "confidential"]
    list_filter = ["platform", "confidential", "shows_patient", "welfare_risk"]
    search_fields = ["reference", "case__reference"]
    date_hierarchy = "submitted_at"
    list_select_related = ["case"]
    inlines = [EvidenceLinkInline, EvidenceFileInline]
    exclude = ["submission_token"]

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_superuser


@admin.register(EvidenceFile)
class EvidenceFileAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["original_name", "report", "content_type", "size", "sha256", "added_by", "added_at", "download"]
    search_fields = ["sha256", "report__reference", "original_name"]
    list_select_related = ["report", "added_by"]
    exclude = ["file"]

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_superuser

    @admin.display(description="File")
    def download(self, obj: EvidenceFile) -> str:
        return format_html('<a href="{}">Download</a>', reverse("incidents:evidence_download", args=[obj.pk]))
