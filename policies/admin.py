"""Admin screens for the policy register (the administrator's job in DOMAIN.md)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.db import models
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.forms import ModelChoiceField
from django.http import HttpRequest

from policies.models import Policy, PolicyVersion, PolicyVersionQuerySet, Principle


class PolicyVersionInline(admin.TabularInline):
    model = PolicyVersion
    fields = ["version", "ratified_on", "expires_on", "responsible_group"]
    extra = 0
    show_change_link = True


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "kind", "current_version_label"]
    list_filter = ["kind", "organisation"]
    search_fields = ["title", "organisation", "slug", "description"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [PolicyVersionInline]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Policy]:
        # Annotated rather than calling Policy.current_version() per row, which
        # would cost one query for every policy on the page.
        current = (
            PolicyVersion.objects.filter(policy=OuterRef("pk"))
            .order_by(F("ratified_on").desc(nulls_last=True), "-pk")
            .values("version")[:1]
        )
        return super().get_queryset(request).annotate(current_version_label=Subquery(current))

    @admin.display(description="Current version", ordering="current_version_label")
    def current_version_label(self, obj: Policy) -> str:
        return getattr(obj, "current_version_label", None) or "—"


class ExpiredFilter(admin.SimpleListFilter):
    title = "expired"
    parameter_name = "expired"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Past its expiry date"), ("no", "In date or no expiry date")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # Only PolicyVersionAdmin lists by this filter, so its queryset is always the versions'.
        versions = cast(PolicyVersionQuerySet, queryset)
        if self.value() == "yes":
            return versions.expired()
        if self.value() == "no":
            return versions.exclude(pk__in=versions.expired().values("pk"))
        return versions


class PrincipleInline(admin.TabularInline):
    model = Principle
    fields = ["position", "reference", "title", "investigated_under"]
    autocomplete_fields = ["investigated_under"]
    extra = 0
    show_change_link = True


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    list_display = ["policy", "version", "ratified_on", "expires_on", "expired"]
    list_select_related = ["policy"]
    list_filter = [ExpiredFilter, "policy__kind", "policy"]
    search_fields = ["policy__title", "version", "unique_identifier", "owner", "notes"]
    autocomplete_fields = ["policy"]
    date_hierarchy = "ratified_on"
    inlines = [PrincipleInline]

    @admin.display(description="Expired", boolean=True)
    def expired(self, obj: PolicyVersion) -> bool:
        return obj.is_expired()


@admin.register(Principle)
class PrincipleAdmin(admin.ModelAdmin):
    list_display = ["title", "reference", "policy", "version_label", "investigated_under"]
    list_select_related = ["version__policy", "investigated_under"]
    list_filter = [("version__policy", admin.RelatedOnlyFieldListFilter), "investigated_under"]
    search_fields = ["title", "summary"]
    autocomplete_fields = ["investigated_under"]

    @admin.display(description="Policy", ordering="version__policy__title")
    def policy(self, obj: Principle) -> Policy:
        return obj.version.policy

    @admin.display(description="Version", ordering="version__version")
    def version_label(self, obj: Principle) -> str:
        return obj.version.version

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        # A version's label includes its policy's title: without this every
        # option in the drop-down would fetch its policy separately.
        if db_field.name == "version":
            kwargs["queryset"] = PolicyVersion.objects.select_related("policy")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
