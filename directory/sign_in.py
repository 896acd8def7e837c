"""The sign-in pages: the email-first step, and the way in and back from an identity provider.

Typing a work email whose domain belongs to an organisation with single sign-on
sends the person to that organisation's provider, whatever else was typed: its
staff never sign in with a Flagpost password, so a leaver switched off at the
provider can't use an old one. Everyone else signs in with their password as
before, through Django's sign-in view and its lockout. Which domains use single
sign-on is no secret, and the answer is the same whether or not the address
belongs to anyone.
"""

from __future__ import annotations

import time
from typing import Any

import requests
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth.views import LoginView
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render, resolve_url
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from directory.sso import (
    SESSION_STATES,
    SIGN_IN_METHOD,
    OrganisationOIDCBackend,
    ProviderError,
    Refusal,
    provider_discovery,
    sso_organisation_for_email,
    sso_refusal_announce,
)
from organisations.models import Organisation

# The library's own session key: state -> nonce, PKCE verifier, time added.
_LIBRARY_STATES = "oidc_states"
_LOGIN_HINT = "flagpost_sso_login_hint"
# Time to sign in at the provider and come back; an older attempt is refused (start again).
ATTEMPT_SECONDS = 10 * 60


class SignInView(LoginView):
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        email = str(request.POST.get("username", "")).strip()
        organisation = sso_organisation_for_email(email)
        if organisation is None:
            return super().post(request, *args, **kwargs)
        request.session[_LOGIN_HINT] = email
        start = reverse("sso_start", args=[organisation.pk])
        next_url = self.get_redirect_url()
        # A page that moves on by itself rather than a redirect: browsers hold every redirect
        # after a form to the page's form-action ('self'), which the provider is not.
        return render(
            request,
            "registration/sso_continue.html",
            {
                "organisation": organisation,
                "start_url": f"{start}?{urlencode({'next': next_url})}" if next_url else start,
            },
        )


class ProviderRedirectView(OIDCAuthenticationRequestView):
    """The library's authorisation request (state, nonce, PKCE), to the organisation's provider."""

    def __init__(self, **kwargs: Any) -> None:
        # The library reads one provider from settings here; ours comes with the request.
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)

    def get(self, request: HttpRequest, organisation_id: int) -> HttpResponse:
        organisation = get_object_or_404(Organisation, pk=organisation_id)
        if not organisation.sso_ready:
            raise Http404
        try:
            discovery = provider_discovery(organisation)
        except ProviderError:
            sso_refusal_announce(
                request=request, organisation=organisation, reason=Refusal.PROVIDER_UNAVAILABLE
            )
            return _refused_page(request, organisation, Refusal.PROVIDER_UNAVAILABLE)
        self.OIDC_OP_AUTH_ENDPOINT = discovery.authorization_endpoint
        self.OIDC_RP_CLIENT_ID = organisation.oidc_client_id
        before = set(request.session.get(_LIBRARY_STATES) or {})
        response = super().get(request)
        added = set(request.session.get(_LIBRARY_STATES) or {}) - before
        states = dict(request.session.get(SESSION_STATES) or {})
        # Only the attempts the library still keeps (it drops the oldest past OIDC_MAX_STATES).
        states = {
            state: pk for state, pk in states.items() if state in request.session[_LIBRARY_STATES]
        }
        states.update(dict.fromkeys(added, organisation.pk))
        request.session[SESSION_STATES] = states
        return response

    def get_extra_params(self, request: HttpRequest) -> dict[str, str]:
        hint = request.session.pop(_LOGIN_HINT, "")
        return {"login_hint": hint} if hint else {}


@require_GET
def sso_callback(request: HttpRequest) -> HttpResponse:
    """The provider sends the person back here with a code (or an error) and the attempt's state.

    Each attempt's state is consumed on first use, so a replayed or forged callback
    finds nothing; the code is then exchanged once, by the library.
    """
    state = request.GET.get("state", "")
    library_states = dict(request.session.get(_LIBRARY_STATES) or {})
    our_states = dict(request.session.get(SESSION_STATES) or {})
    attempt = library_states.pop(state, None) if state else None
    organisation_id = our_states.pop(state, None) if state else None
    request.session[_LIBRARY_STATES] = library_states
    request.session[SESSION_STATES] = our_states
    organisation = (
        Organisation.objects.filter(pk=organisation_id).first() if organisation_id else None
    )
    if (
        attempt is None
        or organisation is None
        or not organisation.sso_ready
        or float(attempt.get("added_on") or 0) < time.time() - ATTEMPT_SECONDS
    ):
        return _refuse(request, organisation, Refusal.EXPIRED_ATTEMPT)
    if request.GET.get("error") or not request.GET.get("code"):
        return _refuse(request, organisation, Refusal.CANCELLED)

    backend: OrganisationOIDCBackend | None = None
    try:
        discovery = provider_discovery(organisation)
        # RFC 9207: a provider that names itself on the way back must be the one asked.
        if request.GET.get("iss", discovery.issuer) != discovery.issuer:
            raise SuspiciousOperation("The answer names another issuer.")
        backend = OrganisationOIDCBackend(organisation=organisation, discovery=discovery)
        user = backend.authenticate(
            request, nonce=attempt.get("nonce"), code_verifier=attempt.get("code_verifier")
        )
    except (ProviderError, requests.ConnectionError, requests.Timeout):
        return _refuse(request, organisation, Refusal.PROVIDER_UNAVAILABLE)
    except (SuspiciousOperation, requests.RequestException, KeyError, ValueError):
        # A used or wrong code (the provider refuses it), or an ID token that fails a check.
        return _refuse(request, organisation, Refusal.TOKEN_REJECTED)
    if user is None:
        email = str(backend.claims.get("email") or "")
        return _refuse(request, organisation, backend.refusal or Refusal.TOKEN_REJECTED, email)

    next_url = request.session.pop("oidc_login_next", None)
    request.session[SIGN_IN_METHOD] = {"method": "sso", "organisation": organisation.short_name}
    auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return HttpResponseRedirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


def _refuse(
    request: HttpRequest, organisation: Organisation | None, reason: Refusal, email: str = ""
) -> HttpResponse:
    sso_refusal_announce(request=request, organisation=organisation, reason=reason, email=email)
    return _refused_page(request, organisation, reason)


# What the refusal page says: a heading, then what happened in plain words.
_REFUSALS: dict[Refusal, tuple[str, str]] = {
    Refusal.NOT_IN_DIRECTORY: (
        "You are not in Flagpost's staff directory",
        (
            "{provider} signed you in, but nobody in Flagpost's staff directory has your work email. "
            "Flagpost does not make accounts when people sign in: your organisation adds its staff."
        ),
    ),
    Refusal.DEACTIVATED: (
        "Your Flagpost account is switched off",
        (
            "{provider} signed you in, but your Flagpost account has been switched off, "
            "for example because you left or moved."
        ),
    ),
    Refusal.EMAIL_NOT_VERIFIED: (
        "Your work email could not be confirmed",
        "{provider} did not confirm your email address, so Flagpost can't tell who you are.",
    ),
    Refusal.OTHER_ORGANISATION: (
        "You signed in with another organisation's account",
        (
            "Flagpost has you as staff of a different organisation. Sign in with your own "
            "organisation's account."
        ),
    ),
    Refusal.LINKED_ELSEWHERE: (
        "Your Flagpost account is linked to a different sign-in account",
        (
            "Your Flagpost account was first used with another account at {provider}, so this one "
            "can't be used for it."
        ),
    ),
    Refusal.EXPIRED_ATTEMPT: (
        "This sign-in did not complete",
        (
            "The sign-in had already been used, had run out of time, or was started in another "
            "browser. Nothing has changed: start again from the sign-in page."
        ),
    ),
    Refusal.CANCELLED: (
        "Signing in was cancelled",
        "{provider} did not sign you in. Start again from the sign-in page.",
    ),
    Refusal.TOKEN_REJECTED: (
        "Signing in did not complete",
        (
            "{provider} sent an answer that Flagpost could not accept, so you have not been signed "
            "in. Start again from the sign-in page."
        ),
    ),
    Refusal.PROVIDER_UNAVAILABLE: (
        "The sign-in service is not answering",
        "Flagpost could not reach {provider}. Try again in a few minutes.",
    ),
}


def _refused_page(
    request: HttpRequest, organisation: Organisation | None, reason: Refusal
) -> HttpResponse:
    heading, text = _REFUSALS[reason]
    provider = f"{organisation.name}'s sign-in service" if organisation else "your sign-in service"
    text = text.format(provider=provider)
    contact = (organisation.sign_in_help if organisation else "") or (
        "your organisation's Flagpost administrator"
    )
    return render(
        request,
        "registration/sso_refused.html",
        {"heading": heading, "text": text[0].upper() + text[1:], "contact": contact},
        status=403,
    )
