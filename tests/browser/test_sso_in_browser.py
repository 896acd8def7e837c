"""Single sign-on in Chromium: Flagpost's sign-in page, the provider's own form, and back.

The provider is the real one of the sign-in tests (node-oidc-provider on 127.0.0.1,
tests/oidc/provider); the live server is Flagpost's callback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import Page, expect

from directory.models import SignInLink, User
from organisations.models import Organisation
from tests.factories import UserFactory
from tests.oidc.provider_process import SSO_DOMAIN

pytestmark = pytest.mark.browser

SIAN = f"sian.staff@{SSO_DOMAIN}"


def _through_the_provider(page: Page, email: str, login: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Work email").fill(email)
    page.get_by_role("button", name="Sign in").click()
    # The provider's own sign-in form, on its own address.
    login_box = page.locator("input[name=login]")
    expect(login_box).to_have_value(email)  # Flagpost passed the email on as a login hint
    login_box.fill(login)
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()


def test_staff_sign_in_through_their_organisations_provider(
    transactional_db: None, live_server, page: Page, sso_organisation: Organisation, artifacts: Path
) -> None:
    sian = UserFactory(
        first_name="Sian", last_name="Staff", email=SIAN, organisation=sso_organisation
    )

    _through_the_provider(page, SIAN, SIAN)

    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert page.url.startswith(live_server.url)
    page.screenshot(path=artifacts / "sso-signed-in.png", full_page=True)
    assert SignInLink.objects.get().user == sian
    [session] = Session.objects.all()
    assert int(session.get_decoded()["_auth_user_id"]) == sian.pk


def test_someone_not_in_the_directory_is_told_who_to_contact(
    transactional_db: None, live_server, page: Page, sso_organisation: Organisation, artifacts: Path
) -> None:
    people = User.objects.count()

    _through_the_provider(page, f"nobody.here@{SSO_DOMAIN}", f"nobody.here@{SSO_DOMAIN}")

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "You are not in Flagpost's staff directory"
    )
    expect(page.get_by_text("the Severn IT service desk on 01234 567890")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    page.screenshot(path=artifacts / "sso-refused.png", full_page=True)
    assert User.objects.count() == people
