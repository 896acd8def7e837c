"""Sessions: a new id at sign-in, and a replayed cookie is worthless after sign-out,
30 minutes of inactivity, 12 hours signed in, or deactivation of the account."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD
from tests.security.helpers import ROOT, production_env

pytestmark = pytest.mark.django_db

IDLE_MESSAGE = "You were signed out after 30 minutes without activity"
ABSOLUTE_MESSAGE = "You were signed out because you had been signed in for 12 hours"


def _signed_in_client(user) -> Client:
    """A browser that signed in through the sign-in page."""
    client = Client()
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _replay(cookie: str) -> Client:
    """Another browser presenting a copied session cookie."""
    client = Client()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = cookie
    return client


def _cookie(client: Client) -> str:
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def _is_sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


MY_REPORTS = reverse("incidents:my_reports")


def test_signing_in_gives_a_new_session_id(reporter) -> None:
    client = Client()
    client.get(reverse("login"))
    before = client.session
    before["seen_the_sign_in_page"] = True
    before.save()
    old_key = before.session_key
    client.cookies[django_settings.SESSION_COOKIE_NAME] = old_key

    client.post(reverse("login"), {"username": reporter.email, "password": PASSWORD})

    new_key = _cookie(client)
    assert new_key != old_key
    assert SESSION_KEY in SessionStore(session_key=new_key).load()
    assert not SessionStore().exists(old_key)


def test_sign_out_needs_a_post() -> None:
    assert Client().get(reverse("logout")).status_code == 405


def test_a_cookie_replayed_after_sign_out_gets_the_sign_in_page(reporter) -> None:
    client = _signed_in_client(reporter)
    cookie = _cookie(client)
    assert _replay(cookie).get(MY_REPORTS).status_code == 200

    client.post(reverse("logout"))

    assert _is_sent_to_sign_in(_replay(cookie).get(MY_REPORTS))


def test_activity_keeps_a_session_alive(reporter) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = _signed_in_client(reporter)
    for minutes in (20, 40, 60, 80, 100):
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            assert client.get(MY_REPORTS).status_code == 200


def test_a_cookie_replayed_after_30_idle_minutes_gets_the_sign_in_page(reporter) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = _signed_in_client(reporter)
        cookie = _cookie(client)
    with time_machine.travel(start + dt.timedelta(minutes=29), tick=False):
        assert client.get(MY_REPORTS).status_code == 200

    with time_machine.travel(start + dt.timedelta(minutes=29 + 30), tick=False):
        response = client.get(MY_REPORTS)
        assert _is_sent_to_sign_in(response)
        assert "next=/reports/mine/" in response["Location"]
        sign_in_page = client.get(response["Location"]).content.decode()
        assert IDLE_MESSAGE in sign_in_page
        # The session is gone from the server, not just from this browser.
        assert _is_sent_to_sign_in(_replay(cookie).get(MY_REPORTS))
        assert not SessionStore().exists(cookie)


def test_a_session_ends_12_hours_after_signing_in_however_busy(reporter) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = _signed_in_client(reporter)
        cookie = _cookie(client)
    minutes = 0
    while minutes < 12 * 60 - 20:
        minutes += 20
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            assert client.get(MY_REPORTS).status_code == 200, f"after {minutes} minutes"

    with time_machine.travel(start + dt.timedelta(hours=12, seconds=1), tick=False):
        response = client.get(MY_REPORTS)
        assert _is_sent_to_sign_in(response)
        assert ABSOLUTE_MESSAGE in client.get(response["Location"]).content.decode()
        assert _is_sent_to_sign_in(_replay(cookie).get(MY_REPORTS))


def test_the_session_cookie_lasts_no_longer_than_the_absolute_limit(reporter) -> None:
    client = _signed_in_client(reporter)
    morsel = client.cookies[django_settings.SESSION_COOKIE_NAME]
    assert int(morsel["max-age"]) == 12 * 60 * 60
    assert morsel["httponly"]


def test_the_limits_come_from_settings(reporter, settings) -> None:
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 5 * 60
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = _signed_in_client(reporter)
    with time_machine.travel(start + dt.timedelta(minutes=6), tick=False):
        response = client.get(MY_REPORTS)
        assert _is_sent_to_sign_in(response)
        assert (
            "signed out after 5 minutes without activity"
            in client.get(response["Location"]).content.decode()
        )


def test_a_cookie_replayed_after_the_account_is_deactivated_gets_the_sign_in_page(reporter) -> None:
    client = _signed_in_client(reporter)
    cookie = _cookie(client)
    assert _replay(cookie).get(MY_REPORTS).status_code == 200

    reporter.is_active = False
    reporter.save(update_fields=["is_active"])

    assert _is_sent_to_sign_in(client.get(MY_REPORTS))
    assert _is_sent_to_sign_in(_replay(cookie).get(MY_REPORTS))


def test_a_session_from_force_login_is_timed_too(login, reporter) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = login(reporter)
        assert client.get(MY_REPORTS).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=31), tick=False):
        assert _is_sent_to_sign_in(client.get(MY_REPORTS))


@pytest.mark.parametrize(
    "limits",
    [
        {"SESSION_IDLE_TIMEOUT_SECONDS": "10"},
        {"SESSION_IDLE_TIMEOUT_SECONDS": "3600", "SESSION_ABSOLUTE_TIMEOUT_SECONDS": "600"},
    ],
)
def test_limits_that_make_no_sense_stop_the_app_with_a_clear_message(
    limits: dict[str, str],
) -> None:
    env = {**production_env(), **limits}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert (
        "SESSION_IDLE_TIMEOUT_SECONDS must be at least 60 and no more than SESSION_ABSOLUTE_TIMEOUT_SECONDS"
        in (result.stderr)
    )


def test_the_session_page_says_who_is_signed_in_and_when_the_sign_in_ends(
    reporter, django_assert_max_num_queries
) -> None:
    signed_in_at = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(signed_in_at, tick=False):
        client = _signed_in_client(reporter)
    with time_machine.travel(signed_in_at + dt.timedelta(minutes=10), tick=False):
        client.get(reverse("session_state"))  # activity: stamped at 09:10
    later = signed_in_at + dt.timedelta(minutes=10, seconds=30)
    # The session and the user: nothing else.
    with time_machine.travel(later, tick=False), django_assert_max_num_queries(2):
        answer = client.get(reverse("session_state")).json()
    assert answer["email"] == reporter.email
    assert answer["ends_at"] == "2026-06-01T09:40:00+00:00"
    with time_machine.travel(signed_in_at + dt.timedelta(minutes=50), tick=False):
        assert client.get(reverse("session_state")).status_code == 302  # signed out by then
    response = Client().get(reverse("session_state"))
    assert response.status_code == 401 and response.json() == {"signed_in": False}


def test_a_browser_opening_the_session_address_gets_the_your_sign_in_page(
    reporter, django_assert_max_num_queries
) -> None:
    signed_in_at = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(signed_in_at, tick=False):
        client = _signed_in_client(reporter)
    browser = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}
    # The session and the user, the header's navigation roles and unread count, and the session's
    # activity stamp written back (an UPDATE inside a savepoint).
    with (
        time_machine.travel(signed_in_at + dt.timedelta(minutes=10), tick=False),
        django_assert_max_num_queries(7),
    ):
        page = client.get(reverse("session_state"), **browser)
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    text = page.content.decode()
    assert "<h1>Your sign-in</h1>" in text and reporter.email in text
    assert "signed out at <strong>10:40, 1 June 2026 BST</strong>" in text  # 09:40 UTC
    signed_out = Client().get(reverse("session_state"), **browser)
    assert signed_out.status_code == 302 and signed_out["Location"].startswith(reverse("login"))
