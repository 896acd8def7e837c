"""Reports and evidence in the admin: to look at, never to change.

Evidence is append-only everywhere: no edit or delete here, so the record an
investigation relies on is the record the reporter made. What these screens
show follows ``casework.admin_privacy``: a confidential reporter is
"Confidential reporter", a report or file of a case about the signed-in
person isn't there, and each look is audited. Stored links are text, never
live links: a reporter typed them, and one click from an administrator's
browser is all a link to an internal address needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from casework.admin_privacy import AuditedCaseAdminMixin, confidential_reporter_exists, person_shown
from casework.models import Case
from incidents.links import link_for_reader
from incidents.models import EvidenceFile, EvidenceLink, Report
from kit.admin import LargeTableAdminMixin, ReadOnlyAdminMixin

if TYPE_CHECKING:
    # Mixed into both inlines and a ModelAdmin: checked as their common base.
    _AdminBase = admin.options.BaseModelAdmin[Any]
else:
    _AdminBase = object


class _AddedByMixin(_AdminBase):
    """The person who added a piece of evidence, withheld where they reported the case in confidence."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[EvidenceLink | EvidenceFile]:
        return (
            super()
            .get_queryset(request)
            .select_related("added_by")
            .annotate(
                added_by_withheld=confidential_reporter_exists(
                    case="report__case_id", person="added_by_id"
                )
            )
        )

    @admin.display(description="added by")
    def added_by_shown(self, evidence: EvidenceLink | EvidenceFile) -> str:
        return person_shown(evidence.added_by, withheld=evidence.added_by_withheld)  # type: ignore[union-attr]  # annotated by get_queryset


class EvidenceLinkInline(_AddedByMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = EvidenceLink
    fields = readonly_fields = ("link", "platform", "added_by_shown", "added_at")
    extra = 0

    @admin.display(description="link")
    def link(self, evidence: EvidenceLink) -> str:
        # A plain string is escaped and printed as text; the admin would make a URLField a live link.
        # As in the PDF, a look-alike or foreign-alphabet host carries its warning or true form.
        return link_for_reader(evidence.url)


class EvidenceFileInline(_AddedByMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = EvidenceFile
    fields = readonly_fields = (
        "original_name",
        "content_type",
        "size",
        "sha256",
        "added_by_shown",
        "added_at",
    )
    extra = 0


@admin.register(Report)
class ReportAdmin(
    LargeTableAdminMixin, AuditedCaseAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    audit_page = "admin_report"
    list_display = ["reference", "case", "platform", "submitted_at", "confidential"]
    list_filter = [
        "platform",
        "confidential",
        "shows_patient",
        "welfare_risk",
        "submitted_at",
    ]
    # Never the reporter: a search by name would single out a confidential reporter's reports.
    search_fields = ["reference", "case__reference"]
    sortable_by = ("reference", "submitted_at")
    list_select_related = ["case"]
    inlines = [EvidenceLinkInline, EvidenceFileInline]
    # Listed rather than left to the model, so the reporter is only ever shown through reporter_shown.
    fields = readonly_fields = (
        "reference",
        "case",
        "reporter_shown",
        "submitted_at",
        "platform",
        "seen_at",
        "posted_at",
        "description",
        "poster_kind",
        "poster",
        "poster_handle",
        "principles",
        "shows_patient",
        "welfare_risk",
        "confidential",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Report]:
        return (
            super()
            .get_queryset(request)
            .select_related("reporter")
            .annotate(
                reporter_withheld=confidential_reporter_exists(case="case_id", person="reporter_id")
            )
        )

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_superuser

    def case_of(self, obj: Report) -> Case:
        return obj.case

    def audit_detail(self, obj: Report) -> dict[str, object]:
        return {"report": obj.reference}

    @admin.display(description="reporter")
    def reporter_shown(self, report: Report) -> str:
        return person_shown(report.reporter, withheld=report.reporter_withheld)  # type: ignore[attr-defined]  # annotated by get_queryset


@admin.register(EvidenceFile)
class EvidenceFileAdmin(
    LargeTableAdminMixin, _AddedByMixin, AuditedCaseAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    audit_page = "admin_evidence"
    case_lookup = "report__case"
    list_display = [
        "original_name",
        "report",
        "content_type",
        "size",
        "sha256",
        "added_by_shown",
        "added_at",
        "download",
    ]
    search_fields = ["sha256", "report__reference", "original_name"]
    list_select_related = ["report__case", "added_by"]
    fields = readonly_fields = (
        "report",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "added_by_shown",
        "added_at",
        "download",
    )

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_superuser

    def case_of(self, obj: EvidenceFile) -> Case:
        return obj.report.case

    def audit_detail(self, obj: EvidenceFile) -> dict[str, object]:
        return {"file": obj.pk, "report": obj.report.reference}

    @admin.display(description="File")
    def download(self, obj: EvidenceFile) -> str:
        # The permission-checked download, which writes its own audit row; never the stored file's address.
        return format_html(
            '<a href="{}">Download</a>', reverse("incidents:evidence_download", args=[obj.pk])
        )
