from __future__ import annotations

from django.http import HttpRequest

from directory.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request a `login_required` view receives: its user is signed in, never anonymous.

    Only an annotation; Django builds the request. It lets the type checker see the
    `User` that the decorator guarantees instead of `User | AnonymousUser`.
    """

    user: User
