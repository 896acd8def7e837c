"""Retention of closed cases, legal holds, and subject access exports.

A closed case keeps its personal details for a period that depends on how it
closed (``records.retention``); then the monthly run removes them and keeps
only what the governance figures count. A legal hold stops that, whatever the
case's age. Each run and each subject access export leaves a row here, and a
line in the audit trail.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class LegalHold(models.Model):
    """A hold on a case's records (litigation, a tribunal, an inquiry): nothing is removed while it lasts.

    Rows are never deleted: a lifted hold keeps who lifted it, when and why,
    so the admin shows the whole history.
    """

    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, related_name="legal_holds")
    reason = models.TextField()
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(auto_now_add=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-placed_at", "-pk"]
        constraints = [
            # One hold in force per case: placing a second while one lasts would make lifting ambiguous.
            models.UniqueConstraint(
                fields=["case"], condition=Q(lifted_at__isnull=True), name="legal_hold_one_in_force"
            ),
        ]

    def __str__(self) -> str:
        return f"Legal hold on {self.case.reference} ({'lifted' if self.lifted_at else 'in force'})"

    @property
    def in_force(self) -> bool:
        return self.lifted_at is None


class RunTrigger(models.TextChoices):
    SCHEDULE = "schedule", "Monthly schedule"
    COMMAND = "command", "Management command"


class RetentionRun(models.Model):
    """One pass of the retention schedule: what it found, what it removed, what went wrong."""

    trigger = models.CharField(max_length=20, choices=RunTrigger.choices)
    # The calendar month a scheduled run belongs to (its first day), so each month runs once.
    month = models.DateField(null=True, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    cases_due = models.PositiveIntegerField(default=0)
    cases_anonymised = models.PositiveIntegerField(default=0)
    files_removed = models.PositiveIntegerField(default=0)
    # [{"case": reference, "error": text}] for each case that could not be done; the others still are.
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["month"], condition=Q(trigger="schedule"), name="retention_run_once_a_month"
            ),
        ]

    def __str__(self) -> str:
        return f"Retention run {self.started_at:%Y-%m-%d %H:%M}: {self.cases_anonymised} cases"


class SubjectAccessExport(models.Model):
    """One archive made for a subject access request: who made it, when, about whom, and its fingerprint."""

    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sha256 = models.CharField("SHA-256 of the archive", max_length=64)
    size = models.PositiveIntegerField()
    # How many reports, cases, actions, files... the archive holds, as listed in its README.
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Subject access export about {self.subject} ({self.created_at:%Y-%m-%d})"
