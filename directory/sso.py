"""Signing in through an organisation's identity provider (OpenID Connect).

mozilla-django-oidc does the protocol: the authorisation request with a
``state``, a ``nonce`` and a PKCE (S256) challenge kept in the session per
attempt, the exchange of the code for tokens, and the ID token's RS256
signature checked against the provider's published keys (``alg`` pinned, so an
unsigned token is refused), its nonce and its expiry. Its decoder leaves the
audience and the issuer unchecked, so ``_verify_jws`` below makes the same
PyJWT call with both.

Flagpost then decides who it is (``sso_person_match``): a link row from an
earlier sign-in (issuer and subject), or else the directory entry with the
email the provider says it has verified. Nobody is ever created here; someone
not found, deactivated or in another organisation is refused, and every
refusal is announced on ``sso_sign_in_refused`` for the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt
import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from django.db.models import TextChoices
from django.dispatch import Signal
from django.http import HttpRequest
from django.utils import timezone
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from directory.models import SignInLink, User
from organisations.models import Organisation, organisation_for_email

# Sent with request, organisation, reason (a Refusal) and email (as the provider gave it, or "").
sso_sign_in_refused = Signal()

# The session key under which the sign-in method is kept, for the audit row and the session page.
SIGN_IN_METHOD = "flagpost_sign_in_method"
# state -> organisation id, beside the library's own "oidc_states" (state -> nonce, verifier).
SESSION_STATES = "flagpost_sso_states"


class Refusal(TextChoices):
    NOT_IN_DIRECTORY = "not_in_directory", "Not in the staff directory"
    DEACTIVATED = "deactivated", "Account deactivated"
    EMAIL_NOT_VERIFIED = "email_not_verified", "Email not verified by the provider"
    OTHER_ORGANISATION = "other_organisation", "Directory entry belongs to another organisation"
    LINKED_ELSEWHERE = "linked_elsewhere", "Directory entry linked to another provider account"
    EXPIRED_ATTEMPT = "expired_attempt", "Unknown, used or expired sign-in attempt (state)"
    CANCELLED = "cancelled", "The provider returned an error"
    TOKEN_REJECTED = "token_rejected", "The provider's answer failed a check"
    PROVIDER_UNAVAILABLE = "provider_unavailable", "The provider could not be reached"


class ProviderError(Exception):
    """The provider's settings can't be read, or its discovery document is not for its issuer."""


@dataclass(frozen=True)
class Discovery:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str


def provider_discovery(organisation: Organisation) -> Discovery:
    """The provider's endpoints, from its discovery document, which must name the issuer configured."""
    issuer = organisation.oidc_issuer.rstrip("/")
    try:
        response = requests.get(
            f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT
        )
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderError(f"discovery failed: {type(exc).__name__}") from None
    if not isinstance(document, dict) or str(document.get("issuer", "")).rstrip("/") != issuer:
        raise ProviderError("the discovery document is for another issuer")
    try:
        return Discovery(
            issuer=str(document["issuer"]),
            authorization_endpoint=str(document["authorization_endpoint"]),
            token_endpoint=str(document["token_endpoint"]),
            userinfo_endpoint=str(document["userinfo_endpoint"]),
            jwks_uri=str(document["jwks_uri"]),
        )
    except KeyError as exc:
        raise ProviderError(f"the discovery document lacks {exc.args[0]}") from None


def sso_organisation_for_email(email: str) -> Organisation | None:
    """The organisation whose provider signs in ``email``'s owner, if it uses single sign-on."""
    organisation = organisation_for_email(email)
    if organisation is not None and organisation.sso_ready:
        return organisation
    return None


def email_verified(claims: dict[str, Any]) -> bool:
    """Whether the provider vouches for the email: ``email_verified``, or Entra ID's ``xms_edov``.

    Microsoft Entra ID sends no ``email_verified``; its optional claim ``xms_edov``
    ("email domain owner verified") says the same for an address in a domain the
    tenant has verified. Only ``true`` counts: a missing claim is not a yes.
    """
    return claims.get("email_verified") is True or claims.get("xms_edov") is True


@dataclass(frozen=True)
class Match:
    user: User | None
    refusal: Refusal | None = None


def sso_person_match(*, organisation: Organisation, issuer: str, claims: dict[str, Any]) -> Match:
    """Who the verified claims are in the directory, linking them on their first sign-in.

    The link (issuer and subject) wins over the email, so a renamed person is still
    found; without one the email must be verified and in the directory. The person
    must be active and in ``organisation`` (or in none yet, with an email in one of its
    domains). Nothing but the link row is ever written.
    """
    subject = str(claims.get("sub") or "")
    if not subject:
        return Match(None, Refusal.TOKEN_REJECTED)
    link = (
        SignInLink.objects.select_related("user")
        .filter(issuer=issuer, subject=subject, organisation=organisation)
        .first()
    )
    if link is not None:
        user = link.user
    else:
        email = str(claims.get("email") or "").strip().lower()
        if not email or not email_verified(claims):
            return Match(None, Refusal.EMAIL_NOT_VERIFIED)
        found = User.objects.filter(email__iexact=email).first()
        if found is None:
            return Match(None, Refusal.NOT_IN_DIRECTORY)
        user = found
    if not user.is_active:
        return Match(None, Refusal.DEACTIVATED)
    if user.organisation_id is None:
        home = organisation_for_email(user.email)
        if home is None or home.pk != organisation.pk:
            return Match(None, Refusal.OTHER_ORGANISATION)
    elif user.organisation_id != organisation.pk:
        return Match(None, Refusal.OTHER_ORGANISATION)
    if link is None:
        try:
            with transaction.atomic():
                link = SignInLink.objects.create(
                    user=user, organisation=organisation, issuer=issuer, subject=subject
                )
        except IntegrityError:
            # Already linked to another subject of this provider: not the same account.
            return Match(None, Refusal.LINKED_ELSEWHERE)
    SignInLink.objects.filter(pk=link.pk).update(last_used_at=timezone.now())
    return Match(user)


class OrganisationOIDCBackend(OIDCAuthenticationBackend):
    """The library's code flow, for one organisation's provider instead of one from settings.

    Not in ``AUTHENTICATION_BACKENDS``: the callback view calls it directly, so
    a password sign-in never reaches it, and the session it starts is ModelBackend's,
    which refuses a deactivated account on every later request.
    """

    def __init__(self, *, organisation: Organisation, discovery: Discovery) -> None:
        self.organisation = organisation
        self.discovery = discovery
        self.OIDC_OP_TOKEN_ENDPOINT = discovery.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = discovery.userinfo_endpoint
        self.OIDC_OP_JWKS_ENDPOINT = discovery.jwks_uri
        self.OIDC_RP_CLIENT_ID = organisation.oidc_client_id
        self.OIDC_RP_CLIENT_SECRET = organisation.oidc_client_secret()
        self.OIDC_RP_SIGN_ALGO = "RS256"
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.UserModel = User
        self.refusal: Refusal | None = None
        self.claims: dict[str, Any] = {}

    def _verify_jws(self, payload: str, key: Any) -> dict[str, Any]:
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("The ID token is not signed with RS256.")
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=self.discovery.issuer,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise SuspiciousOperation(f"ID token refused: {type(exc).__name__}") from None

    def get_userinfo(
        self, access_token: str, id_token: str, payload: dict[str, Any]
    ) -> dict[str, Any]:
        # The userinfo answer may add the email; the verified ID token decides who it is about.
        info = super().get_userinfo(access_token, id_token, payload)
        if not isinstance(info, dict) or info.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("The userinfo answer is about someone else.")
        return {**info, **payload}

    def get_or_create_user(
        self, access_token: str, id_token: str, payload: dict[str, Any]
    ) -> User | None:
        claims = self.get_userinfo(access_token, id_token, payload)
        self.claims = claims
        match = sso_person_match(
            organisation=self.organisation, issuer=self.discovery.issuer, claims=claims
        )
        self.refusal = match.refusal
        return match.user


def sso_refusal_announce(
    *,
    request: HttpRequest,
    organisation: Organisation | None,
    reason: Refusal,
    email: str = "",
) -> None:
    sso_sign_in_refused.send(
        sender=Organisation, request=request, organisation=organisation, reason=reason, email=email
    )
