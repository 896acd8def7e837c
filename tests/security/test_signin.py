"""Signing in: Argon2 hashes, password rules, and the lockout after 5 failures.

The lockout is keyed on the email and the address together; it looks the same
whether or not the email belongs to anyone, and lifts after 15 minutes.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import config.settings as configured
from directory.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

UNKNOWN_EMAIL = "nobody.here@trust.example.nhs.uk"
WRONG_PASSWORD = "not-the-password-at-all"
LOCKED_OUT = "Signing in is paused for 15 minutes"
NOT_RECOGNISED = "Your email or password was not recognised"


def _sign_in(client: Client, email: str, password: str, **extra: str):
    return client.post(reverse("login"), {"username": email, "password": password}, **extra)


def _signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def _page(response, email: str) -> str:
    """The page with what legitimately differs between two attempts taken out."""
    page = response.content.decode()
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return page.replace(email, "EMAIL")


# --- Hashing and password rules ---------------------------------------------------------


def test_the_configured_hashers_put_argon2_first() -> None:
    hashers = configured.PASSWORD_HASHERS
    assert hashers[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    # Older hashes must still verify, so they can be upgraded at the next sign-in.
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in hashers[1:]


def test_a_password_set_the_normal_way_is_stored_as_argon2(settings) -> None:
    settings.PASSWORD_HASHERS = configured.PASSWORD_HASHERS
    user = UserFactory()
    user.set_password("a-long-and-unusual-passphrase")
    user.save(update_fields=["password"])

    stored = User.objects.get(pk=user.pk).password
    assert stored.startswith("argon2$argon2id$")
    assert User.objects.get(pk=user.pk).check_password("a-long-and-unusual-passphrase")


def test_an_older_hash_still_signs_in_and_is_upgraded_to_argon2(settings) -> None:
    settings.PASSWORD_HASHERS = configured.PASSWORD_HASHERS
    user = UserFactory()
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    client = Client()

    response = _sign_in(client, user.email, PASSWORD)

    assert response.status_code == 302 and _signed_in(client)
    assert User.objects.get(pk=user.pk).password.startswith("argon2$")


@pytest.mark.parametrize(
    ("password", "complaint"),
    [
        ("Sh0rt!pw", "too short"),
        ("password123", "too common"),
        ("8675309421573", "entirely numeric"),
        ("Quimby1234", "too similar"),
    ],
)
def test_weak_passwords_are_refused(password: str, complaint: str) -> None:
    user = User(
        email="horatio.quimby@trust.example.nhs.uk", first_name="Horatio", last_name="Quimby"
    )
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert any(complaint in message for message in refused.value.messages)


def test_a_strong_password_is_accepted() -> None:
    user = User(
        email="horatio.quimby@trust.example.nhs.uk", first_name="Horatio", last_name="Quimby"
    )
    validate_password("lantern-orchard-velvet-42", user)


# --- The sign-in page -------------------------------------------------------------------


def test_the_right_email_and_password_sign_in(reporter) -> None:
    client = Client()
    response = _sign_in(client, reporter.email.upper(), PASSWORD)
    assert response.status_code == 302 and _signed_in(client)


def test_a_wrong_password_and_an_unknown_email_get_the_same_page(reporter) -> None:
    wrong_password = _sign_in(Client(), reporter.email, WRONG_PASSWORD)
    unknown_email = _sign_in(Client(), UNKNOWN_EMAIL, WRONG_PASSWORD)

    assert wrong_password.status_code == unknown_email.status_code == 200
    assert NOT_RECOGNISED in wrong_password.content.decode()
    assert _page(wrong_password, reporter.email) == _page(unknown_email, UNKNOWN_EMAIL)


def test_a_deactivated_account_gets_the_same_page_as_a_wrong_password(reporter) -> None:
    wrong_password = _sign_in(Client(), reporter.email, WRONG_PASSWORD)
    reporter.is_active = False
    reporter.save(update_fields=["is_active"])
    client = Client()

    deactivated = _sign_in(client, reporter.email, PASSWORD)

    assert not _signed_in(client)
    assert _page(deactivated, reporter.email) == _page(wrong_password, reporter.email)


def test_the_test_clients_own_sign_in_still_works(reporter) -> None:
    client = Client()
    assert client.login(username=reporter.email, password=PASSWORD)
    assert client.get(reverse("incidents:my_reports")).status_code == 200


# --- Lockout ------------------------------------------------------------------------------


def _fail(client: Client, email: str, times: int, **extra: str) -> list:
    return [_sign_in(client, email, WRONG_PASSWORD, **extra) for _ in range(times)]


def test_four_failures_do_not_lock_the_account(reporter) -> None:
    client = Client()
    responses = _fail(client, reporter.email, 4)
    assert all(r.status_code == 200 for r in responses)

    assert _sign_in(client, reporter.email, PASSWORD).status_code == 302
    assert _signed_in(client)


def test_the_fifth_failure_locks_out_even_the_right_password(reporter) -> None:
    client = Client()
    fifth = _fail(client, reporter.email, 5)[-1]

    assert fifth.status_code == 429
    assert LOCKED_OUT in fifth.content.decode()
    right_password = _sign_in(client, reporter.email, PASSWORD)
    assert right_password.status_code == 429
    assert LOCKED_OUT in right_password.content.decode()
    assert not _signed_in(client)


def test_the_lockout_page_is_the_same_for_an_unknown_email(reporter) -> None:
    known = _fail(Client(), reporter.email, 5)[-1]
    unknown = _fail(Client(), UNKNOWN_EMAIL, 5)[-1]

    assert known.status_code == unknown.status_code == 429
    assert _page(known, reporter.email) == _page(unknown, UNKNOWN_EMAIL)
    # The page never repeats the email, so it cannot confirm anything about it.
    assert reporter.email not in known.content.decode()
    assert UNKNOWN_EMAIL not in unknown.content.decode()


def test_a_different_spelling_of_the_same_email_counts_towards_the_same_lockout(reporter) -> None:
    client = Client()
    _fail(client, reporter.email.upper(), 3)
    _fail(client, f"  {reporter.email}  ", 2)

    assert _sign_in(client, reporter.email, PASSWORD).status_code == 429


def test_the_lockout_is_for_that_email_from_that_address_only(reporter, manager) -> None:
    _fail(Client(), reporter.email, 5, REMOTE_ADDR="198.51.100.7")

    elsewhere = Client()
    assert (
        _sign_in(elsewhere, reporter.email, PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 302
    )
    same_address_other_person = Client()
    response = _sign_in(
        same_address_other_person, manager.email, PASSWORD, REMOTE_ADDR="198.51.100.7"
    )
    assert response.status_code == 302
    assert _signed_in(same_address_other_person)


def test_the_lockout_lifts_after_15_minutes(reporter) -> None:
    start = timezone.now()
    client = Client()
    with time_machine.travel(start, tick=False):
        _fail(client, reporter.email, 5)
    with time_machine.travel(start + dt.timedelta(minutes=14), tick=False):
        assert _sign_in(client, reporter.email, PASSWORD).status_code == 429
    # That attempt while locked out started the 15 minutes again.
    with time_machine.travel(start + dt.timedelta(minutes=28), tick=False):
        assert _sign_in(Client(), reporter.email, PASSWORD).status_code == 429
    with time_machine.travel(start + dt.timedelta(minutes=44), tick=False):
        fresh = Client()
        assert _sign_in(fresh, reporter.email, PASSWORD).status_code == 302
        assert _signed_in(fresh)


def test_a_successful_sign_in_clears_the_failures(reporter) -> None:
    client = Client()
    _fail(client, reporter.email, 4)
    assert _sign_in(client, reporter.email, PASSWORD).status_code == 302
    client.post(reverse("logout"))

    assert all(r.status_code == 200 for r in _fail(client, reporter.email, 4))
    assert _sign_in(client, reporter.email, PASSWORD).status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(reporter, settings) -> None:
    # Without a trusted proxy the header is ignored; behind one, only the proxy's entry counts.
    for proxies in (0, 1):
        settings.TRUSTED_PROXY_COUNT = proxies
        client = Client()
        for n in range(5):
            _sign_in(
                client,
                reporter.email,
                WRONG_PASSWORD,
                HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 192.0.2.{proxies + 1}",
            )
        forged = _sign_in(
            client,
            reporter.email,
            PASSWORD,
            HTTP_X_FORWARDED_FOR=f"10.8.8.8, 192.0.2.{proxies + 1}",
        )
        assert forged.status_code == 429, f"{proxies} trusted proxies"


def test_behind_a_trusted_proxy_people_are_told_apart_by_their_own_address(
    reporter, settings
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    _fail(Client(), reporter.email, 5, HTTP_X_FORWARDED_FOR="192.0.2.10")

    colleague = Client()
    response = _sign_in(colleague, reporter.email, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.11")
    assert response.status_code == 302
