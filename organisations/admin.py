"""The organisations in the admin, with their email domains and sign-in settings."""

from __future__ import annotations

from django.contrib import admin
from django.db import models

from organisations.models import EmailDomain, Organisation


class EmailDomainInline(admin.TabularInline):
    model = EmailDomain
    extra = 1


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "ods_code", "oidc_enabled"]
    search_fields = ["name", "short_name", "ods_code"]
    inlines = [EmailDomainInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": ("name", "short_name", "ods_code", "sign_in_help")}),
        (
            "Single sign-on (OpenID Connect)",
            {
                "description": "Register Flagpost with the identity provider with the redirect "
                "URI SITE_URL/accounts/sso/callback/, then fill these in and switch it on.",
                "fields": (
                    "oidc_enabled",
                    "oidc_issuer",
                    "oidc_client_id",
                    "oidc_client_secret_variable",
                ),
            },
        ),
    )
