"""Which notifications a person reads in Flagpost."""

from __future__ import annotations

from django.db.models import QuerySet

from casework.access import case_ids_about
from directory.models import User
from notifications.models import Notification


def notifications_for(user: User) -> QuerySet[Notification]:
    """The user's notifications, less any about a case that has since turned out to be about them.

    A handle linked to a colleague after they were told of the case (as a triage officer, say)
    makes the case theirs to be kept out of: the inbox stops showing it at that moment.
    """
    return Notification.objects.filter(recipient=user).exclude(case_id__in=case_ids_about(user))
