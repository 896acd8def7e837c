"""Cases in the admin: the state is read-only; transitions go through the services.

django-fsm-2's admin support lists the transitions the signed-in user's
permissions allow (the same ``casework.access`` rules as the pages). Applying
one calls the same service as the case page, so the row is locked, the note
is required and the timeline is written exactly as it would be there.

What the case screens show follows ``casework.admin_privacy``: no
confidential reporter, no case about the signed-in person, every look audited.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django_fsm.admin import FSMAdminMixin

from casework import services
from casework.actions import ACTIONS
from casework.admin_privacy import AuditedCaseAdminMixin, confidential_reporter_exists, person_shown
from casework.models import Case, CaseEvent, Finding, HandleLink, ReopenReason
from kit.admin import LargeTableAdminMixin, ReadOnlyAdminMixin


class AdminNoteForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text="Recorded in the case timeline."
    )


class AdminReopenForm(AdminNoteForm):
    reason = forms.ChoiceField(choices=ReopenReason.choices)


_ADMIN_SERVICES: dict[str, Callable[..., object]] = {
    "start_triage": services.case_triage_start,
    "escalate": services.case_escalate,
    "request_investigation": services.case_request_investigation,
    "reopen": services.case_reopen,
}


class CaseEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CaseEvent
    fields = readonly_fields = ("at", "kind", "actor_shown", "from_state", "to_state", "note")
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[CaseEvent]:
        return (
            super()
            .get_queryset(request)
            .select_related("actor")
            .annotate(
                actor_withheld=confidential_reporter_exists(case="case_id", person="actor_id")
            )
        )

    @admin.display(description="by")
    def actor_shown(self, event: CaseEvent) -> str:
        return person_shown(event.actor, withheld=event.actor_withheld)  # type: ignore[attr-defined]  # annotated by get_queryset


class FindingInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Finding
    fields = readonly_fields = ("principle", "upheld", "note")
    extra = 0


@admin.register(Case)
class CaseAdmin(LargeTableAdminMixin, AuditedCaseAdminMixin, FSMAdminMixin, admin.ModelAdmin):
    audit_page = "admin_case"
    case_lookup = "pk"
    fsm_fields = ["state"]
    # Only transitions marked admin=True (the ones a note is enough for) are offered here.
    fsm_default_disallow_transition = False
    fsm_forms = {**{name: AdminNoteForm for name in _ADMIN_SERVICES}, "reopen": AdminReopenForm}

    list_display = ["reference", "state", "poster", "investigator", "created_at", "updated_at"]
    list_filter = [
        "state",
        "flag_safeguarding",
        "flag_data_breach",
        "flag_official_account",
        "closure",
        "created_at",
    ]
    search_fields = ["reference", "reports__reference"]
    sortable_by = ("reference", "created_at", "updated_at")
    list_select_related = ["poster", "investigator"]
    inlines = [FindingInline, CaseEventInline]

    def get_readonly_fields(
        self, request: HttpRequest, obj: Model | None = None
    ) -> tuple[str, ...]:
        # Everything is read-only: cases change through their actions, never by editing fields.
        return tuple(field.name for field in Case._meta.fields) + ("policy_versions", "principles")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Needed to reach the transition buttons; the fields themselves stay read-only.
        return request.user.is_superuser

    def case_of(self, obj: Case) -> Case:
        return obj

    def _apply_fsm_transition(
        self,
        *,
        obj: Model,
        transition_name: str,
        request: HttpRequest,
        kwargs: Mapping[str, Any] | None = None,
    ) -> bool:
        service = _ADMIN_SERVICES.get(transition_name)
        if service is None:
            self.message_user(
                request, "That action is taken from the case page, not here.", messages.ERROR
            )
            return False
        arguments = dict(kwargs or {})
        try:
            service(case=cast(Case, obj), by=request.user, **arguments)
        except services.CaseActionError as error:
            self.message_user(request, str(error), messages.ERROR)
            return False
        declared = ACTIONS.get(transition_name)
        done = declared.done if declared else "The case has been changed."
        self.message_user(request, done, messages.SUCCESS)
        return True


@admin.register(HandleLink)
class HandleLinkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["handle", "user", "linked_by", "linked_at"]
    search_fields = ["handle", "user__email", "user__last_name"]
    list_select_related = ["user", "linked_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[HandleLink]:
        # A handle linked to someone says they were identified as a poster: not theirs to read here.
        return super().get_queryset(request).exclude(user_id=request.user.pk)
