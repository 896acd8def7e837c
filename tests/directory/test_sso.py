"""Single sign-on against a real OpenID Connect provider (node-oidc-provider on 127.0.0.1).

Flagpost is driven over HTTP by the test client; the provider's own sign-in form is
fetched and posted for real (tests/oidc/provider_process.py), and the code goes back
to Flagpost, which exchanges it at the provider's token endpoint and checks the ID
token against the provider's published keys. The bad tokens come from the same
provider: for the clients ``flagpost-wrong-aud`` and the like it rewrites the ID token
of its real answer (tests/oidc/provider/provider.mjs says how).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent, AuditKind
from audit.services import username_fingerprint
from directory.models import SignInLink, User
from organisations.models import Organisation
from organisations.services import organisations_ensure
from tests.factories import PASSWORD, UserFactory
from tests.oidc.provider_process import SSO_DOMAIN, provider_sign_in

pytestmark = pytest.mark.django_db

SIAN = f"sian.staff@{SSO_DOMAIN}"


@pytest.fixture
def sian(sso_organisation: Organisation) -> User:
    return UserFactory(
        first_name="Sian", last_name="Staff", email=SIAN, organisation=sso_organisation
    )


def _to_provider(client: Client, email: str, password: str = "") -> str:
    """Type the email on Flagpost's sign-in page; the address of the provider it sends us to."""
    response = client.post(reverse("login"), {"username": email, "password": password})
    assert response.status_code == 200, response.content[:500]
    start = client.get(_continue_url(response))
    assert start.status_code == 302
    return start["Location"]


def _continue_url(response) -> str:
    """Where the "Signing in with …" page moves on to."""
    found = re.search(r'content="0;url=([^"]+)"', response.content.decode())
    assert found is not None, response.content[:500]
    return html.unescape(found.group(1))


def _back(client: Client, callback_url: str):
    parts = urlsplit(callback_url)
    assert parts.path == reverse("sso_callback")
    return client.get(f"{parts.path}?{parts.query}")


def _sign_in(client: Client, email: str, login: str | None = None):
    return _back(client, provider_sign_in(_to_provider(client, email), login or email))


def _signed_in_as(client: Client) -> int | None:
    value = client.session.get(SESSION_KEY)
    return int(value) if value is not None else None


def _refusals() -> list[dict[str, object]]:
    return list(
        AuditEvent.objects.filter(kind=AuditKind.SIGN_IN_FAILED).values_list("detail", flat=True)
    )


def test_staff_of_an_sso_organisation_are_signed_in_by_their_provider(
    client: Client, sian: User, sso_organisation: Organisation
) -> None:
    people = User.objects.count()
    authorization = _to_provider(client, SIAN)
    query = parse_qs(urlsplit(authorization).query)
    assert authorization.startswith(sso_organisation.oidc_issuer)
    assert query["client_id"] == ["flagpost"]
    assert query["code_challenge_method"] == ["S256"]  # and the provider requires PKCE
    assert query["login_hint"] == [SIAN]
    assert query["state"] and query["nonce"]

    response = _back(client, provider_sign_in(authorization, SIAN))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert _signed_in_as(client) == sian.pk
    link = SignInLink.objects.get()
    assert (link.user, link.organisation) == (sian, sso_organisation)
    assert link.issuer == sso_organisation.oidc_issuer
    assert link.subject.startswith("sub-")  # the provider's stable subject, not the email
    signed_in = AuditEvent.objects.get(kind=AuditKind.SIGNED_IN)
    assert signed_in.actor == sian
    assert signed_in.detail == {"method": "sso", "organisation": "STT"}
    assert User.objects.count() == people


def test_the_email_step_moves_on_by_itself_without_widening_the_form_policy(
    client: Client, sso_organisation: Organisation
) -> None:
    response = client.post(reverse("login"), {"username": SIAN, "password": ""})
    assert response.status_code == 200
    start = reverse("sso_start", args=[sso_organisation.pk])
    page = response.content.decode()
    assert f'<meta http-equiv="refresh" content="0;url={start}">' in page
    assert f'href="{start}"' in page  # and a link, should the refresh not happen
    # Not a redirect: a browser holds every redirect after a form to its form-action.
    # The directive alone, wherever the header puts it: nothing but 'self'.
    directives = [part.split() for part in response["Content-Security-Policy"].split(";")]
    assert ["form-action", "'self'"] in directives


def test_the_page_asked_for_is_where_sso_lands(client: Client, sian: User) -> None:
    response = client.post(
        reverse("login"), {"username": SIAN, "password": "", "next": "/reports/mine/"}
    )
    start = client.get(_continue_url(response))
    back = _back(client, provider_sign_in(start["Location"], SIAN))
    assert back["Location"] == "/reports/mine/"


def test_no_password_is_ever_checked_for_an_sso_organisation(client: Client, sian: User) -> None:
    authorization = _to_provider(client, SIAN, password="not-the-password-at-all")
    assert authorization.startswith("http://127.0.0.1:")
    assert _signed_in_as(client) is None
    assert not AccessAttempt.objects.exists()  # nothing for the lockout to count
    assert not _refusals()


def test_staff_of_other_organisations_still_sign_in_with_a_password(client: Client) -> None:
    person = UserFactory(email="pat.password@elsewhere.example.nhs.uk")
    empty = client.post(reverse("login"), {"username": person.email, "password": ""})
    assert empty.status_code == 200
    assert _signed_in_as(client) is None
    response = client.post(reverse("login"), {"username": person.email, "password": PASSWORD})
    assert response.status_code == 302
    assert _signed_in_as(client) == person.pk


def test_once_linked_the_subject_finds_a_person_whose_email_changed(
    client: Client, sian: User
) -> None:
    _sign_in(client, SIAN)
    client.post(reverse("logout"))
    sian.email = f"sian.jones@{SSO_DOMAIN}"
    sian.save(update_fields=["email"])

    # The provider still says the old address; the link (issuer and subject) decides.
    response = _sign_in(client, sian.email, login=SIAN)

    assert response.status_code == 302
    assert _signed_in_as(client) == sian.pk
    assert SignInLink.objects.count() == 1


def _healthwatch() -> Organisation:
    return organisations_ensure()["Healthwatch"]


@pytest.mark.parametrize(
    ("case", "heading", "reason"),
    [
        ("unverified", "Your work email could not be confirmed", "email_not_verified"),
        ("not_in_directory", "You are not in Flagpost&#x27;s staff directory", "not_in_directory"),
        ("deactivated", "Your Flagpost account is switched off", "deactivated"),
        (
            "other_organisation",
            "You signed in with another organisation&#x27;s account",
            "other_organisation",
        ),
    ],
)
def test_someone_the_directory_cannot_take_is_refused_and_nothing_is_made(
    client: Client, sian: User, case: str, heading: str, reason: str
) -> None:
    login = SIAN
    if case == "unverified":
        login = f"unverified:{SIAN}"
    elif case == "not_in_directory":
        login = f"nobody.here@{SSO_DOMAIN}"
    elif case == "deactivated":
        sian.is_active = False
        sian.save(update_fields=["is_active"])
    elif case == "other_organisation":
        sian.organisation = _healthwatch()
        sian.save(update_fields=["organisation"])
    people = User.objects.count()

    response = _sign_in(client, SIAN, login=login)

    assert response.status_code == 403
    page = response.content.decode()
    assert heading in page
    assert "the Severn IT service desk on 01234 567890" in page
    assert _signed_in_as(client) is None
    assert User.objects.count() == people
    assert not SignInLink.objects.exists()
    [refusal] = _refusals()
    assert refusal["method"] == "sso"
    assert refusal["organisation"] == "STT"
    assert refusal["reason"] == reason
    email = login.removeprefix("unverified:")
    assert refusal["username_sha256"] == username_fingerprint(email)
    assert email not in str(refusal)


@pytest.mark.parametrize(
    "client_id",
    [
        "flagpost-wrong-aud",
        "flagpost-wrong-iss",
        "flagpost-wrong-nonce",
        "flagpost-expired",
        "flagpost-unsigned",
        "flagpost-foreign-key",
    ],
)
def test_an_id_token_that_fails_a_check_is_refused(
    client: Client, sian: User, sso_organisation: Organisation, client_id: str
) -> None:
    sso_organisation.oidc_client_id = client_id
    sso_organisation.save(update_fields=["oidc_client_id"])

    response = _sign_in(client, SIAN)

    assert response.status_code == 403
    assert "Signing in did not complete" in response.content.decode()
    assert _signed_in_as(client) is None
    assert not SignInLink.objects.exists()
    assert [refusal["reason"] for refusal in _refusals()] == ["token_rejected"]


@pytest.mark.parametrize("client_id", ["flagpost", "flagpost-resigned"])
def test_a_token_whose_checks_pass_signs_in(
    client: Client, sian: User, sso_organisation: Organisation, client_id: str
) -> None:
    """The control for the test above: the same token, signed again unaltered, gets in."""
    sso_organisation.oidc_client_id = client_id
    sso_organisation.save(update_fields=["oidc_client_id"])
    assert _sign_in(client, SIAN).status_code == 302
    assert _signed_in_as(client) == sian.pk


def test_a_wrong_state_is_refused(client: Client, sian: User) -> None:
    callback = provider_sign_in(_to_provider(client, SIAN), SIAN)
    forged = callback.replace("state=", "state=forged")

    response = _back(client, forged)

    assert response.status_code == 403
    assert "This sign-in did not complete" in response.content.decode()
    assert _signed_in_as(client) is None
    assert [refusal["reason"] for refusal in _refusals()] == ["expired_attempt"]


def test_an_answer_naming_another_issuer_is_refused(client: Client, sian: User) -> None:
    callback = provider_sign_in(_to_provider(client, SIAN), SIAN)
    assert "iss=" in callback  # the provider names itself (RFC 9207)
    forged = re.sub(r"iss=[^&]+", "iss=http%3A%2F%2F127.0.0.1%3A9", callback)

    response = _back(client, forged)

    assert response.status_code == 403
    assert _signed_in_as(client) is None
    assert [refusal["reason"] for refusal in _refusals()] == ["token_rejected"]


def test_an_attempt_older_than_ten_minutes_is_refused(client: Client, sian: User) -> None:
    callback = provider_sign_in(_to_provider(client, SIAN), SIAN)

    with time_machine.travel(dt.timedelta(minutes=11)):
        response = _back(client, callback)

    assert response.status_code == 403
    assert "This sign-in did not complete" in response.content.decode()
    assert _signed_in_as(client) is None


def test_a_callback_used_twice_is_refused_the_second_time(client: Client, sian: User) -> None:
    callback = provider_sign_in(_to_provider(client, SIAN), SIAN)
    assert _back(client, callback).status_code == 302
    client.post(reverse("logout"))

    again = _back(client, callback)

    assert again.status_code == 403
    assert _signed_in_as(client) is None


def test_a_replayed_code_is_refused_by_the_provider(client: Client, sian: User) -> None:
    first = provider_sign_in(_to_provider(client, SIAN), SIAN)
    assert _back(client, first).status_code == 302
    client.post(reverse("logout"))
    # A fresh attempt of this browser, answered with the code already used.
    fresh = parse_qs(urlsplit(_to_provider(client, SIAN)).query)["state"][0]
    code = parse_qs(urlsplit(first).query)["code"][0]

    response = client.get(reverse("sso_callback"), {"code": code, "state": fresh})

    assert response.status_code == 403
    assert "Signing in did not complete" in response.content.decode()
    assert _signed_in_as(client) is None
    assert [refusal["reason"] for refusal in _refusals()] == ["token_rejected"]


def test_an_error_from_the_provider_is_a_cancelled_sign_in(client: Client, sian: User) -> None:
    state = parse_qs(urlsplit(_to_provider(client, SIAN)).query)["state"][0]

    response = client.get(reverse("sso_callback"), {"error": "access_denied", "state": state})

    assert response.status_code == 403
    assert "Signing in was cancelled" in response.content.decode()
    assert [refusal["reason"] for refusal in _refusals()] == ["cancelled"]
