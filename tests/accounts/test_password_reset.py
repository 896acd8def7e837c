"""Password reset: anyone may ask, only an active person's address gets an email, and no answer
says which addresses have an account."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent, AuditKind
from audit.services import username_fingerprint
from notifications.models import Notification, NotificationKind
from tests.accounts.helpers import link_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "kestrel-harbour-42"


def _ask(email: str, capture, *, client: Client | None = None, address: str = "127.0.0.1"):
    with capture(execute=True):
        return (client or Client()).post(
            reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=address
        )


def test_a_forgotten_password_is_reset_by_email_and_every_other_session_ends(
    login, reporter, django_capture_on_commit_callbacks
) -> None:
    desk = login(reporter)  # signed in on another computer
    assert desk.get(reverse("home")).status_code == 200
    client = Client()
    sign_in = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("accounts:password_reset")}">Forgotten your password?' in sign_in
    form = client.get(reverse("accounts:password_reset")).content.decode()
    assert 'class="nhsuk-input' in form and 'autocomplete="email"' in form

    answer = _ask(f"  {reporter.email.upper()} ", django_capture_on_commit_callbacks, client=client)
    assert answer.status_code == 302
    assert answer["Location"] == reverse("accounts:password_reset_sent")
    sent_page = client.get(answer["Location"]).content.decode()
    assert "If there is an account for that address, we have sent a link" in sent_page
    assert "You can ask for another link in 5 minutes." in sent_page
    [email] = mail.outbox
    assert email.to == [reporter.email] and email.subject == "Reset your Flagpost password"

    form_url = client.get(link_in(email))["Location"]
    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == reverse("login")
    assert Client().login(username=reporter.email, password=NEW_PASSWORD)
    assert not Client().login(username=reporter.email, password=PASSWORD)
    # The session on the other computer ended with the old password.
    assert desk.get(reverse("home"))["Location"].startswith(reverse("login"))

    requested = AuditEvent.objects.get(kind=AuditKind.PASSWORD_RESET_REQUESTED)
    assert requested.ip_address == "127.0.0.1"
    assert requested.actor is None and requested.detail == {
        "person": reporter.pk,
        "username_sha256": username_fingerprint(reporter.email),
    }
    assert AuditEvent.objects.get(kind=AuditKind.PASSWORD_SET).detail == {"first_password": False}


def test_unknown_and_deactivated_addresses_get_the_same_answer_and_no_email(
    reporter, outsider, django_capture_on_commit_callbacks
) -> None:
    outsider.is_active = False
    outsider.save(update_fields=["is_active"])
    answers = [
        _ask(email, django_capture_on_commit_callbacks)
        for email in (reporter.email, "nobody.here@trust.example.nhs.uk", outsider.email)
    ]
    assert {(answer.status_code, answer["Location"]) for answer in answers} == {
        (302, reverse("accounts:password_reset_sent"))
    }
    assert [email.to for email in mail.outbox] == [[reporter.email]]
    assert AuditEvent.objects.filter(kind=AuditKind.PASSWORD_RESET_REQUESTED).count() == 1


def test_an_address_gets_one_email_every_five_minutes_and_the_same_answer(
    reporter, django_capture_on_commit_callbacks
) -> None:
    first = _ask(reporter.email, django_capture_on_commit_callbacks)
    second = _ask(reporter.email, django_capture_on_commit_callbacks, address="10.0.0.9")
    assert first["Location"] == second["Location"] == reverse("accounts:password_reset_sent")
    assert len(mail.outbox) == 1
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5, seconds=1), tick=False):
        _ask(reporter.email, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2


def test_too_many_requests_from_one_address_get_a_page_saying_to_try_later(
    django_capture_on_commit_callbacks,
) -> None:
    people = [UserFactory() for _ in range(7)]
    answers = [_ask(person.email, django_capture_on_commit_callbacks) for person in people[:6]]
    assert [answer.status_code for answer in answers] == [302] * 5 + [429]
    assert "Try again later" in answers[-1].content.decode()
    assert len(mail.outbox) == 5
    # Someone elsewhere is not held up.
    assert (
        _ask(people[6].email, django_capture_on_commit_callbacks, address="10.1.2.3").status_code
        == 302
    )
    assert len(mail.outbox) == 6


def test_the_new_password_must_pass_the_checks_and_be_typed_twice(
    reporter, django_capture_on_commit_callbacks
) -> None:
    client = Client()
    _ask(reporter.email, django_capture_on_commit_callbacks, client=client)
    form_url = client.get(link_in(mail.outbox[0]))["Location"]
    for first, second, field, problem in (
        ("", "", "new_password1", "Enter a new password."),
        ("short1", "short1", "new_password1", "This password is too short"),
        (
            reporter.email,
            reporter.email,
            "new_password1",
            "The password is too similar to the work email",
        ),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "new_password2", "The two passwords are not the same"),
    ):
        page = client.post(form_url, {"new_password1": first, "new_password2": second})
        text = page.content.decode()
        assert page.status_code == 200 and "There is a problem" in text
        assert f'<li><a href="#id_{field}">{problem}' in text
        assert "nhsuk-form-group--error" in text and "<title>Error: Choose your password" in text
    reporter.refresh_from_db()
    assert reporter.check_password(PASSWORD)


def test_a_malformed_address_is_asked_for_again(django_capture_on_commit_callbacks) -> None:
    page = _ask("not an email", django_capture_on_commit_callbacks)
    assert page.status_code == 200 and "There is a problem" in page.content.decode()
    assert not mail.outbox


def test_the_trail_finds_reset_requests_by_the_person_s_email(
    login, reporter, ig_lead, django_capture_on_commit_callbacks
) -> None:
    _ask(reporter.email, django_capture_on_commit_callbacks)
    response = login(ig_lead).get(reverse("audit:log"), {"person": reporter.email})
    rows = [row for row in response.context["rows"] if row.event.kind == "password_reset_requested"]
    assert len(rows) == 1
    assert "Someone not signed in" in response.content.decode()


def test_the_request_does_the_same_work_whatever_the_address(
    reporter, django_capture_on_commit_callbacks
) -> None:
    """Who has an account is found out after the answer, so its timing can't tell."""
    work = []
    for email in (reporter.email, "nobody.here@trust.example.nhs.uk"):
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks() as queued,
        ):
            Client().post(reverse("accounts:password_reset"), {"email": email})
        work.append(([query["sql"] for query in queries], len(queued)))
    assert work[0] == work[1] and work[0][1] == 1
    assert not mail.outbox


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_request_made_while_the_broker_is_unreachable_is_still_answered_and_sent(
    reporter, settings
) -> None:
    """The request can't be queued: it is worked out in the request instead of being lost."""
    from config.celery import app
    from tests.notifications.helpers import _fresh_connections, free_port

    saved = app.conf.get("broker_write_url"), app.conf.task_always_eager
    app.conf.broker_write_url = f"redis://127.0.0.1:{free_port()}/0"
    app.conf.task_always_eager = False
    _fresh_connections(app)
    try:
        answer = Client().post(
            reverse("accounts:password_reset"), {"email": reporter.email}, REMOTE_ADDR="10.0.0.9"
        )
    finally:
        app.conf.broker_write_url, app.conf.task_always_eager = saved
        _fresh_connections(app)

    assert answer.status_code == 302
    assert answer["Location"] == reverse("accounts:password_reset_sent")
    # Written to the outbox for the sweeper, as every email is when the broker is away.
    [row] = Notification.objects.filter(recipient=reporter, kind=NotificationKind.PASSWORD_RESET)
    assert row.render_context is not None
    assert AuditEvent.objects.filter(kind=AuditKind.PASSWORD_RESET_REQUESTED).count() == 1
