"""The trail in the admin: to read and filter, never to add, change or delete.

As on the audit page: the rows of a case about the signed-in person are left
out, and a confidential reporter's rows on that case say "Confidential
reporter" and are not found by a search for them.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from audit.models import AuditCheck, AuditEvent
from casework.admin_privacy import (
    NotAboutThemAdminMixin,
    WithheldPeopleSearchMixin,
    confidential_reporter_exists,
    person_shown,
)
from kit.admin import LargeTableAdminMixin


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_superuser


# Every column is shown, and none can be changed.
_EVENT_FIELDS = (
    "seq",
    "at",
    "kind",
    "actor_shown",
    "case",
    "case_reference",
    "detail",
    "ip_address",
    "prev_hash",
    "hash",
)


@admin.register(AuditEvent)
class AuditEventAdmin(
    LargeTableAdminMixin, WithheldPeopleSearchMixin, NotAboutThemAdminMixin, _ReadOnly
):
    list_display = ["seq", "at", "kind", "actor_shown", "case_reference", "ip_address"]
    list_filter = ["kind", "at"]
    search_fields = ["case_reference", "ip_address"]
    person_search_fields = ("actor__email",)
    list_select_related = ["actor"]
    fields = _EVENT_FIELDS
    readonly_fields = _EVENT_FIELDS
    sortable_by = ("seq", "at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                actor_withheld=confidential_reporter_exists(case="case_id", person="actor_id")
            )
        )

    def person_searchable(self) -> Q:
        return Q(actor_withheld=False)

    @admin.display(description="who")
    def actor_shown(self, event: AuditEvent) -> str:
        return person_shown(
            event.actor,
            withheld=event.actor_withheld,  # type: ignore[attr-defined]
            nobody="Flagpost, or someone not signed in",
        )


@admin.register(AuditCheck)
class AuditCheckAdmin(_ReadOnly):
    list_display = ["at", "ok", "rows_verified", "first_bad_seq", "problem", "alerted", "by"]
    list_filter = ["ok", "alerted"]
    readonly_fields = [
        "at",
        "by",
        "ok",
        "rows_verified",
        "first_bad_seq",
        "problem",
        "message",
        "alerted",
    ]
