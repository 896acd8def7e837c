"""Cases and their timelines.

A case groups the reports about one post or one piece of conduct. Its state
changes only through named transitions (django-fsm); every change is written
to the case's timeline by the service that makes it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField


class CaseState(models.TextChoices):
    NEW = "new", "New"
    TRIAGE = "triage", "In triage"
    MANAGER_REVIEW = "manager_review", "Line manager review"
    INVESTIGATION = "investigation", "Investigation"
    DECISION = "decision", "Awaiting decision"
    CLOSED = "closed", "Closed"


class ReporterStatus(models.TextChoices):
    """What a reporter is told: never more than whether anyone is looking at it."""

    RECEIVED = "received", "Received"
    UNDER_REVIEW = "under_review", "Under review"
    CLOSED = "closed", "Closed"


def reporter_status_for(state: str) -> ReporterStatus:
    if state == CaseState.NEW:
        return ReporterStatus.RECEIVED
    if state == CaseState.CLOSED:
        return ReporterStatus.CLOSED
    return ReporterStatus.UNDER_REVIEW


class Case(ConcurrentTransitionMixin, models.Model):
    reference = models.CharField(max_length=32, unique=True)
    state = FSMField(default=CaseState.NEW, choices=CaseState.choices, protected=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    policy_versions = models.ManyToManyField(
        "policies.PolicyVersion",
        blank=True,
        related_name="cases",
        help_text="The versions in force on the day the post was first seen.",
    )

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.reference

    @property
    def reporter_status(self) -> ReporterStatus:
        return reporter_status_for(self.state)


class EventKind(models.TextChoices):
    REPORT_RECEIVED = "report_received", "Report received"
    REPORT_JOINED = "report_joined", "Further report of the same post"
    EVIDENCE_ADDED = "evidence_added", "Evidence added"
    TRANSITION = "transition", "State changed"
    NOTE = "note", "Note"


class CaseEvent(models.Model):
    """One immutable line of a case's timeline."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=40, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    from_state = models.CharField(max_length=20, choices=CaseState.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=CaseState.choices, blank=True)
    note = models.TextField(blank=True)
    report = models.ForeignKey(
        "incidents.Report", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case.reference}: {self.get_kind_display()}"

    def save(self, *args: object, **kwargs: object) -> None:
        # The timeline is a record: a row, once written, is never rewritten.
        if self.pk is not None and not self._state.adding:
            raise ValueError("Case events are immutable.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]
