"""Which notifications a person reads in Flagpost."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from casework.access import case_ids_about, case_ids_about_if_read
from directory.models import User
from kit.paging import none_of
from notifications.models import ACCOUNT_KINDS, Notification


def notifications_for(user: User) -> QuerySet[Notification]:
    """The user's notifications, less any about a case that has since turned out to be about them.

    A handle linked to a colleague after they were told of the case (as a triage officer, say)
    makes the case theirs to be kept out of: the inbox stops showing it at that moment.
    Where the request has read the ids of those cases already (a case page, a list), they go
    as one list; otherwise as a subquery. Account emails (an invitation, a password reset) are
    not kept for reading here: they are about signing in, and their link is only in the email.
    """
    mine = Notification.objects.filter(recipient=user).exclude(kind__in=ACCOUNT_KINDS)
    about = case_ids_about_if_read(user)
    if about is None:
        return mine.exclude(case_id__in=case_ids_about(user))
    if not about:
        return mine
    return mine.filter(Q(case__isnull=True) | none_of("case_id", about))
