"""Password accounts: invitations, reset requests and setting a password from a link.

Each email goes through the notification outbox in the caller's transaction, with its audit row;
the link in it is made when it is sent (``accounts.links``). Nothing here tells a requester
whether an address has an account: callers answer the same way whatever these return.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerUnreachable

from audit.models import AuditKind
from audit.services import audit_record, client_ip, username_fingerprint
from casework.access import STAGE_PEOPLE
from casework.models import OPEN_STATES, Case
from directory.models import Role, User
from directory.sessions import client_ip_address
from directory.sso import sso_organisation_for_email
from notifications.models import NotificationKind
from notifications.services import Notice, notices_send, notification_create

log = logging.getLogger(__name__)

_CLIENT_WINDOW_SECONDS = 60 * 60


def invitations_send(
    *, people: Iterable[User], by: User | None, request: HttpRequest | None = None
) -> int:
    """Email each active person among ``people`` a link to set their password; how many were sent.

    Sending again sends a fresh link (the earlier one keeps working until it expires or a
    password is set). Deactivated people are passed over, and so are the staff of an
    organisation with single sign-on, who never sign in with a password. One audit row per person.
    """
    invited = [
        person
        for person in people
        if person.is_active and sso_organisation_for_email(person.email) is None
    ]
    if not invited:
        return 0
    with transaction.atomic():
        notices_send(
            notices=[
                Notice(
                    kind=NotificationKind.ACCOUNT_INVITATION,
                    recipients=invited,
                    context={"invited_by": by.get_full_name() if by is not None else ""},
                    urgent=True,
                )
            ]
        )
        for person in invited:
            audit_record(
                kind=AuditKind.INVITATION_SENT,
                actor=by,
                detail={"person": person.pk},
                request=request,
            )
    return len(invited)


def reset_requests_allowed(request: HttpRequest) -> bool:
    """Counts a reset request from the request's client address; whether it is within the limit.

    A fixed window from the address's first request, in the shared cache, so every web process
    counts the same requests.
    """
    key = f"accounts:reset-requests:{client_ip_address(request) or 'unknown'}"
    cache.add(key, 0, timeout=_CLIENT_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between the two calls
        cache.set(key, 1, timeout=_CLIENT_WINDOW_SECONDS)
        count = 1
    return count <= settings.PASSWORD_RESET_REQUESTS_PER_HOUR


def password_reset_request(*, email: str, request: HttpRequest | None = None) -> None:
    """Ask for a reset link for this work email: queued, so the request is answered alike.

    Whether the address has an account is found out by the task (``password_reset_email``);
    here nothing is read, so the answer takes the same time either way.
    """
    from accounts.tasks import password_reset_send

    address = email.strip().lower()
    if not address:
        return
    ip = client_ip(request)

    def queue() -> None:
        try:
            password_reset_send.delay(address, ip)
        except BrokerUnreachable:
            # The broker can't be reached: look the address up here rather than lose the
            # request (the answer is still the same; only its time can differ, and only while
            # the broker is down).
            log.warning("password reset request not queued: the broker is unreachable")
            password_reset_email(address=address, ip_address=ip)

    # robust: whatever fails after the commit must not make the page fail (and so differ).
    transaction.on_commit(queue, robust=True)


def password_reset_email(*, address: str, ip_address: str = "") -> bool:
    """Email a reset link to the active person with this work email, if there is one.

    At most one email an address every ``PASSWORD_RESET_EMAIL_INTERVAL_SECONDS``, counted
    whether or not the address has an account. Returns whether an email was sent, for tests
    and the trail only: the requester is answered the same either way.
    """
    fingerprint = username_fingerprint(address)
    interval_key = f"accounts:reset-email:{fingerprint}"
    if not cache.add(interval_key, True, timeout=settings.PASSWORD_RESET_EMAIL_INTERVAL_SECONDS):
        return False
    # Lower-case, as the unique index on the address is, so the index finds it.
    person = (
        User.objects.alias(address=Lower("email")).filter(address=address, is_active=True).first()
    )
    # Staff of an organisation with single sign-on have no Flagpost password to reset.
    if person is None or sso_organisation_for_email(address) is not None:
        return False
    try:
        with transaction.atomic():
            notices_send(
                notices=[
                    Notice(
                        kind=NotificationKind.PASSWORD_RESET,
                        recipients=[person],
                        context={},
                        urgent=True,
                    )
                ]
            )
            # No actor: whoever asked is not known. The fingerprint lets a search for the
            # person's email find it, as it finds failed sign-ins.
            audit_record(
                kind=AuditKind.PASSWORD_RESET_REQUESTED,
                actor=None,
                detail={"person": person.pk, "username_sha256": fingerprint},
                ip_address=ip_address,
            )
    except Exception:
        cache.delete(interval_key)  # nothing was sent: a retry may send it
        raise
    return True


def password_set_from_link(
    *, person: User, token: str, password: str, request: HttpRequest | None = None
) -> bool:
    """Set ``person``'s password if the link's token still holds; whether it did.

    The person's row is locked and the token checked again, so two submissions of one link
    can't both set a password: the first changes the hash the token was made from. The new
    hash also ends every session the person had (Django checks a session's copy of it on each
    request). Audited in the same transaction.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().filter(pk=person.pk, is_active=True).first()
        if locked is None or not default_token_generator.check_token(locked, token):
            return False
        first = not locked.has_usable_password()
        locked.set_password(password)
        locked.save(update_fields=["password"])
        audit_record(
            kind=AuditKind.PASSWORD_SET,
            actor=locked,
            detail={"first_password": first},
            request=request,
        )
    person.password = locked.password
    return True


# The cases a leavers' email lists; the rest are counted, and My work lists them all.
LEAVERS_CASES_LISTED = 50


def leavers_tell(*, left: Iterable[User]) -> int:
    """Tell each HR lead which open cases name someone in ``left`` as line manager,
    investigator or decision maker; how many such cases there are (no email if none)."""
    leavers = {person.pk: person for person in left}
    if not leavers:
        return 0
    held = Q()
    for field, _, _ in STAGE_PEOPLE:
        held |= Q(**{f"{field}_id__in": list(leavers)})
    cases = Case.objects.filter(held, state__in=OPEN_STATES).order_by("reference")
    total = cases.count()
    if not total:
        return 0
    holdings = []
    for case in cases[:LEAVERS_CASES_LISTED]:
        for field, _, role in STAGE_PEOPLE:
            person = leavers.get(getattr(case, f"{field}_id"))
            if person is not None:
                holdings.append(
                    {"reference": case.reference, "role": role, "person": person.get_full_name()}
                )
    link = reverse("casework:my_work") + "?kind=left"
    leads = User.objects.filter(is_active=True, groups__role__code=Role.HR_LEAD).distinct()
    with transaction.atomic():
        for lead in leads:
            notification_create(
                recipient=lead,
                kind=NotificationKind.STAFF_LEFT,
                context={
                    "leavers": list(leavers.values()),
                    "holdings": holdings,
                    "holdings_total": total,
                    "more": total - min(total, LEAVERS_CASES_LISTED),
                },
                link=link,
            )
    return total
