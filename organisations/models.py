"""The organisations one installation serves, and how each one's staff sign in.

An organisation (the Trust, Healthwatch) has its email domains and, when its
staff sign in through their own identity provider, that provider's OpenID
Connect settings. The client secret is never stored here: the row names the
environment variable that holds it, so neither a fixture, a database dump nor
the admin ever carries it.

Cases, roles and policies are not yet held per organisation; the staff
directory points here so that they can be.
"""

from __future__ import annotations

import os
import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

# Only variables meant for this can be named, so a row can't send another secret (SECRET_KEY,
# a database password) to a provider an administrator typed in.
SECRET_VARIABLE_PREFIX = "FLAGPOST_OIDC_"
_SECRET_VARIABLE = re.compile(rf"^{SECRET_VARIABLE_PREFIX}[A-Z0-9_]+$")


def validate_secret_variable(value: str) -> None:
    if value and not _SECRET_VARIABLE.match(value):
        raise ValidationError(
            f"Name an environment variable that starts with {SECRET_VARIABLE_PREFIX} "
            "and has only capital letters, digits and underscores, "
            f"such as {SECRET_VARIABLE_PREFIX}TRUST_SECRET."
        )


def validate_domain(value: str) -> None:
    if value != value.strip().lower() or "@" in value or "." not in value or " " in value:
        raise ValidationError(
            "Give the part of the email address after the @, in lower case, such as whc.example."
        )


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(
        max_length=40, unique=True, help_text="As it is shown in lists, such as “WHCT”."
    )
    ods_code = models.CharField(
        "ODS code",
        max_length=10,
        blank=True,
        help_text="The NHS Organisation Data Service code, if it has one (the Trust's is R1A).",
    )
    sign_in_help = models.CharField(
        "who to contact about signing in",
        max_length=300,
        blank=True,
        help_text="Shown to someone who can't be signed in, such as "
        "“the IT service desk on 01905 123456”.",
    )
    oidc_enabled = models.BooleanField(
        "single sign-on is on",
        default=False,
        help_text="When on, people whose email is in one of the organisation's domains "
        "sign in with the identity provider below instead of a Flagpost password.",
    )
    oidc_issuer = models.URLField(
        "identity provider (issuer)",
        blank=True,
        help_text="The OpenID Connect issuer; its settings are read from "
        "ISSUER/.well-known/openid-configuration. For Microsoft Entra ID: "
        "https://login.microsoftonline.com/TENANT-ID/v2.0",
    )
    oidc_client_id = models.CharField("client id", max_length=200, blank=True)
    oidc_client_secret_variable = models.CharField(
        "client secret's environment variable",
        max_length=100,
        blank=True,
        validators=[validate_secret_variable],
        help_text="The name of the environment variable that holds the client secret; "
        "the secret itself is never stored in Flagpost.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def sso_ready(self) -> bool:
        """Whether its people are sent to its identity provider: switched on and fully set up."""
        return bool(self.oidc_enabled and self.oidc_issuer and self.oidc_client_id)

    def oidc_client_secret(self) -> str:
        """The client secret, read from the environment at the moment it is needed."""
        if not self.oidc_client_secret_variable:
            return ""
        return os.environ.get(self.oidc_client_secret_variable, "")

    def clean(self) -> None:
        if self.oidc_enabled:
            missing = [
                label
                for label, value in (
                    ("identity provider", self.oidc_issuer),
                    ("client id", self.oidc_client_id),
                    ("client secret's environment variable", self.oidc_client_secret_variable),
                )
                if not value
            ]
            if missing:
                raise ValidationError(
                    f"Single sign-on needs the {', the '.join(missing)} before it can be on."
                )


class EmailDomain(models.Model):
    """A domain of work email addresses that belongs to one organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="email_domains"
    )
    domain = models.CharField(max_length=253, validators=[validate_domain])

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(Lower("domain"), name="email_domain_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.domain


def organisation_for_email(email: str) -> Organisation | None:
    """The organisation whose email domains include ``email``'s, if any."""
    _, at, domain = email.strip().lower().rpartition("@")
    if not at or not domain:
        return None
    found = EmailDomain.objects.select_related("organisation").filter(domain=domain).first()
    return found.organisation if found is not None else None
