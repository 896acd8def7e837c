"""Deadlines: one row per case, clock and cycle, found by an indexed "next action" time.

The beat sweep selects rows whose ``next_action_at`` has come, through the
index, so its cost follows what is due and not the size of the table. Each
reminder, overdue alert and escalation is claimed with a conditional UPDATE
on its own "sent at" column, so it goes out once per case, clock and cycle.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Clock(models.TextChoices):
    TRIAGE_START = "triage_start", "Triage started"
    TRIAGE_COMPLETE = "triage_complete", "Triage completed"
    MANAGER_DECISION = "manager_decision", "Line manager's decision"
    INVESTIGATION = "investigation", "Investigation completed"
    DECISION = "decision", "Decision recorded"
    SAFEGUARDING = "safeguarding", "Safeguarding response"
    DATA_BREACH = "data_breach", "Data-breach assessment (ICO, 72 hours)"


class Unit(models.TextChoices):
    WORKING_DAYS = "working_days", "Working days (England and Wales)"
    HOURS = "hours", "Hours, every day"


class DeadlineRule(models.Model):
    """How long a stage may take; administrators adjust these in the admin."""

    clock = models.CharField(max_length=30, choices=Clock.choices, unique=True)
    unit = models.CharField(max_length=20, choices=Unit.choices)
    allowed = models.PositiveIntegerField(help_text="How long the stage may take, in the unit.")
    remind_before = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Remind the owner this long before the deadline, in the unit. "
        "Leave empty to remind at half-time.",
    )
    escalate_after = models.PositiveIntegerField(
        help_text="Escalate when still overdue this long after the deadline, in the unit."
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_clock_display()}: {self.allowed} {self.get_unit_display().lower()}"


class Deadline(models.Model):
    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE, related_name="deadlines")
    clock = models.CharField(max_length=30, choices=Clock.choices)
    # A reopened case starts its clocks again; each run is a cycle of its own.
    cycle = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    remind_at = models.DateTimeField(null=True, blank=True)
    escalate_at = models.DateTimeField()
    met_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    overdue_sent_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    next_action_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "clock", "cycle"], name="deadline_once_per_cycle"
            ),
        ]
        indexes = [
            # Only rows with something still to send are in the index the sweep reads.
            models.Index(
                fields=["next_action_at"],
                name="deadline_next_action",
                condition=Q(next_action_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_clock_display()} due {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.met_at is None and self.cancelled_at is None

    @property
    def met_in_time(self) -> bool | None:
        if self.met_at is None:
            return None
        return self.met_at <= self.due_at
