"""The link that lets someone set their password: made when its email is sent, never stored.

The token is Django's ``default_token_generator``: a keyed hash of the person's id, password hash,
last sign-in and email with the moment it was made. It expires after ``PASSWORD_RESET_TIMEOUT``
and works once, because setting the password changes the hash it was made from. Nothing keeps
it: the outbox row holds only what the email's text needs, so the link is in the email alone.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from directory.models import User


def password_link(person: User) -> str:
    """The path of a fresh link to set ``person``'s password."""
    return reverse(
        "accounts:password_set",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
            "token": default_token_generator.make_token(person),
        },
    )


def link_hours() -> int:
    return settings.PASSWORD_RESET_TIMEOUT // 3600


def password_link_context(recipient_id: int) -> Mapping[str, object]:
    """An account email's link, made as it is sent from the person as they are now."""
    person = User.objects.only("pk", "password", "last_login", "email").get(pk=recipient_id)
    return {"link": password_link(person), "link_hours": link_hours()}
