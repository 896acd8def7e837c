"""Invitations: an administrator (or the staff import) emails a link to set a password."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent, AuditKind
from directory.models import EmailPreference, User
from notifications.models import DeliveryStatus, Notification, NotificationKind
from organisations.models import EmailDomain, Organisation
from tests.accounts.helpers import link_in
from tests.directory.test_import_staff import MANAGER, REPORT, write_csv
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "heron-lantern-87"


@pytest.fixture
def administrator(db) -> User:
    return UserFactory(first_name="Ada", last_name="Admin", is_staff=True, is_superuser=True)


@pytest.fixture
def newcomer(db) -> User:
    person = UserFactory(
        first_name="Nina", last_name="Newcomer", email="nina.newcomer@trust.nhs.uk"
    )
    person.set_unusable_password()
    person.save(update_fields=["password"])
    return person


def _invite(client: Client, *people: User, capture) -> object:
    with capture(execute=True):
        return client.post(
            reverse("admin:directory_user_changelist"),
            {"action": "send_invitations", "_selected_action": [person.pk for person in people]},
            follow=True,
        )


def _set_password(link: str, password: str = NEW_PASSWORD) -> tuple[Client, object]:
    client = Client()
    shown = client.get(link)
    return client, client.post(
        shown["Location"], {"new_password1": password, "new_password2": password}
    )


def test_an_invited_person_sets_a_password_and_signs_in_with_it(
    login, administrator, newcomer, django_capture_on_commit_callbacks
) -> None:
    page = _invite(login(administrator), newcomer, capture=django_capture_on_commit_callbacks)
    assert "Invitation sent to 1 person." in page.content.decode()
    [email] = mail.outbox
    assert email.to == [newcomer.email] and email.subject == "Set up your Flagpost account"
    assert "Ada Admin has invited you" in email.body and "72 hours" in email.body
    link = link_in(email)

    client = Client()
    shown = client.get(link)
    # The token leaves the address before the form is shown, so no Referer can carry it.
    form_url = shown["Location"]
    assert shown.status_code == 302 and form_url.endswith("/set-password/")
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert token not in form_url
    assert client.session[INTERNAL_RESET_SESSION_TOKEN] == token
    form_page = client.get(form_url).content.decode()
    assert "Choose your password" in form_page and 'autocomplete="new-password"' in form_page

    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("login")
    assert "Your password is set" in client.get(reverse("login")).content.decode()
    signed_in = Client().post(
        reverse("login"), {"username": newcomer.email.upper(), "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == reverse("home")

    sent = AuditEvent.objects.get(kind=AuditKind.INVITATION_SENT)
    assert sent.actor == administrator and sent.detail == {"person": newcomer.pk}
    password_set = AuditEvent.objects.get(kind=AuditKind.PASSWORD_SET)
    assert password_set.actor == newcomer and password_set.detail == {"first_password": True}


def test_the_link_works_once(
    login, administrator, newcomer, django_capture_on_commit_callbacks
) -> None:
    _invite(login(administrator), newcomer, capture=django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])
    client = Client()
    form_url = client.get(link)["Location"]
    # A second tab of the same link, open before the first was sent.
    other_tab = Client()
    other_form_url = other_tab.get(link)["Location"]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = Client().get(link)
    assert again.status_code == 200 and "This link no longer works" in again.content.decode()
    late = other_tab.post(
        other_form_url, {"new_password1": "another-pass-9931", "new_password2": "another-pass-9931"}
    )
    assert "This link no longer works" in late.content.decode()
    newcomer.refresh_from_db()
    assert newcomer.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(kind=AuditKind.PASSWORD_SET).count() == 1


def test_the_link_expires_after_72_hours(
    login, administrator, newcomer, django_capture_on_commit_callbacks
) -> None:
    assert settings.PASSWORD_RESET_TIMEOUT == 72 * 60 * 60
    _invite(login(administrator), newcomer, capture=django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])
    sent_at = timezone.now()
    with time_machine.travel(sent_at + dt.timedelta(hours=71, minutes=59), tick=False):
        assert Client().get(link).status_code == 302
    with time_machine.travel(sent_at + dt.timedelta(hours=72, minutes=1), tick=False):
        expired = Client().get(link)
    assert expired.status_code == 200
    page = expired.content.decode()
    assert "This link no longer works" in page and reverse("accounts:password_reset") in page


@pytest.mark.parametrize(
    "mangle",
    [
        lambda link: link[:-4] + "/",  # the end of the token cut off by the mail program
        lambda link: link.replace("/set/", "/set/x"),  # the person's part changed
        lambda link: "/accounts/password/set/MTIzNDU2/set-password/",  # no token in the session
    ],
)
def test_a_mangled_link_says_so(
    mangle, login, administrator, newcomer, django_capture_on_commit_callbacks
) -> None:
    _invite(login(administrator), newcomer, capture=django_capture_on_commit_callbacks)
    response = Client().get(mangle(link_in(mail.outbox[0])))
    assert response.status_code == 200
    assert "This link no longer works" in response.content.decode()


def test_a_deactivated_person_is_not_invited_and_their_old_link_stops_working(
    login, administrator, newcomer, reporter, django_capture_on_commit_callbacks
) -> None:
    _invite(login(administrator), newcomer, capture=django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])
    newcomer.is_active = False
    newcomer.save(update_fields=["is_active"])

    page = _invite(
        login(administrator), newcomer, reporter, capture=django_capture_on_commit_callbacks
    )
    assert (
        "Invitation sent to 1 person. 1 left out: deactivated, or signing in through single "
        "sign-on." in page.content.decode()
    )
    assert [email.to for email in mail.outbox] == [[newcomer.email], [reporter.email]]
    assert "This link no longer works" in Client().get(link).content.decode()


def test_sending_again_sends_a_fresh_link_at_once_even_to_a_digest_reader(
    login, administrator, newcomer, django_capture_on_commit_callbacks
) -> None:
    newcomer.email_preference = EmailPreference.DAILY_DIGEST
    newcomer.save(update_fields=["email_preference"])
    _invite(login(administrator), newcomer, capture=django_capture_on_commit_callbacks)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1), tick=False):
        _invite(login(administrator), newcomer, capture=django_capture_on_commit_callbacks)
    first, second = (link_in(email) for email in mail.outbox)
    assert first != second
    assert set(Notification.objects.values_list("email_status", "urgent")) == {
        (DeliveryStatus.SENT, True)
    }
    _, done = _set_password(second)
    assert done["Location"] == reverse("login")


def test_the_token_is_nowhere_in_the_outbox_row(
    login, administrator, newcomer, django_capture_on_commit_callbacks
) -> None:
    _invite(login(administrator), newcomer, capture=django_capture_on_commit_callbacks)
    token = link_in(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
    row = Notification.objects.values().get(kind=NotificationKind.ACCOUNT_INVITATION)
    assert row["link"] == "" and row["body_text"] == "" and row["body_html"] == ""
    assert row["render_context"] == {"invited_by": "Ada Admin"}
    assert not [name for name, value in row.items() if token in str(value)]
    admin_page = login(administrator).get(
        reverse("admin:notifications_notification_change", args=[row["id"]])
    )
    assert admin_page.status_code == 200 and token not in admin_page.content.decode()


def test_account_emails_are_not_in_the_inbox_or_its_badge(
    login, administrator, reporter, django_capture_on_commit_callbacks
) -> None:
    _invite(login(administrator), reporter, capture=django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    client = login(reporter)
    inbox = client.get(reverse("notifications:inbox")).content.decode()
    assert "Set up your Flagpost account" not in inbox
    home = client.get(reverse("home")).content.decode()
    assert '<span class="badge">' not in home


def test_only_an_administrator_may_invite(login, reporter, newcomer) -> None:
    response = login(reporter).post(
        reverse("admin:directory_user_changelist"),
        {"action": "send_invitations", "_selected_action": [newcomer.pk]},
    )
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not Notification.objects.exists()


def test_import_staff_invite_invites_the_people_it_creates(
    tmp_path, django_capture_on_commit_callbacks
) -> None:
    path = write_csv(tmp_path, MANAGER, REPORT)
    stdout = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_staff", str(path), "--invite", stdout=stdout, stderr=io.StringIO())
    assert "2 invited to set a password" in stdout.getvalue()
    assert sorted(email.to[0] for email in mail.outbox) == [
        "maya.manager@example.nhs.uk",
        "rita.reporter@example.nhs.uk",
    ]
    assert "You have been invited" in mail.outbox[0].body
    rita = User.objects.get(email="rita.reporter@example.nhs.uk")
    _, done = _set_password(link_in(next(m for m in mail.outbox if m.to == [rita.email])))
    assert done["Location"] == reverse("login")

    # Run again: nobody new, nobody invited again.
    stdout = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_staff", str(path), "--invite", stdout=stdout, stderr=io.StringIO())
    assert "0 invited" in stdout.getvalue() and len(mail.outbox) == 2


def test_an_administrator_invites_from_the_person_s_page(
    login, administrator, newcomer, django_capture_on_commit_callbacks
) -> None:
    client = login(administrator)
    change = reverse("admin:directory_user_change", args=[newcomer.pk])
    invite = reverse("admin:directory_user_invite", args=[newcomer.pk])
    assert f'formaction="{invite}"' in client.get(change).content.decode()
    assert client.get(invite).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(invite, follow=True)
    assert response.redirect_chain == [(change, 302)]
    assert f"Invitation sent to {newcomer.email}." in response.content.decode()
    assert [email.to for email in mail.outbox] == [[newcomer.email]]

    newcomer.is_active = False
    newcomer.save(update_fields=["is_active"])
    assert f'formaction="{invite}"' not in client.get(change).content.decode()
    client.post(invite)
    assert len(mail.outbox) == 1


def test_staff_of_an_organisation_with_single_sign_on_are_not_invited_or_sent_resets(
    login, administrator, django_capture_on_commit_callbacks
) -> None:
    trust = Organisation.objects.create(
        name="Severn Test NHS Trust",
        short_name="STT",
        oidc_enabled=True,
        oidc_issuer="https://login.example.org/tenant/v2.0",
        oidc_client_id="flagpost",
        oidc_client_secret_variable="FLAGPOST_OIDC_TEST_SECRET",
    )
    EmailDomain.objects.create(organisation=trust, domain="severn.example.nhs.uk")
    nurse = UserFactory(email="sam.nurse@severn.example.nhs.uk")
    page = _invite(login(administrator), nurse, capture=django_capture_on_commit_callbacks)
    assert "Invitation sent to 0 people. 1 left out" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answer = Client().post(reverse("accounts:password_reset"), {"email": nurse.email})
    assert answer["Location"] == reverse("accounts:password_reset_sent")
    assert not mail.outbox and not Notification.objects.exists()
