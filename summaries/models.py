"""Stored case summaries: one PDF per case revision, audience and requester."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kit.storage import PrivateStorage


class SummaryStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to be prepared"
    RENDERING = "rendering", "Being prepared"
    READY = "ready", "Ready"
    FAILED = "failed", "Could not be prepared"


class SummaryVariant(models.TextChoices):
    FULL = "full", "Full case summary"
    MANAGER = "manager", "Line manager's summary"
    EMPLOYEE = "employee", "Employee's hearing bundle"


def summary_upload_to(instance: CaseSummary, filename: str) -> str:
    return (
        f"{instance.case.reference}/{instance.pk}-{instance.variant}-r{instance.case_revision}.pdf"
    )


class CaseSummary(models.Model):
    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, related_name="summaries")
    variant = models.CharField(max_length=20, choices=SummaryVariant.choices)
    # The case as it was when asked for: a retried task renders the same version, once.
    case_revision = models.PositiveIntegerField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    archived = models.BooleanField(default=False, help_text="Kept with the case when it closed.")
    status = models.CharField(
        max_length=12, choices=SummaryStatus.choices, default=SummaryStatus.QUEUED
    )
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(
        upload_to=summary_upload_to,
        storage=PrivateStorage("SUMMARY_ROOT"),
        blank=True,
        max_length=300,
    )
    sha256 = models.CharField("SHA-256 of the file", max_length=64, blank=True, db_index=True)
    fingerprint = models.CharField("content fingerprint", max_length=64, blank=True, db_index=True)
    size = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # The task message rendering it: a redelivery of that message takes its claim back.
    claim = models.CharField(max_length=64, blank=True)
    # When the sweeper looks at it next (its message lost, its worker dead); empty once done.
    due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(
                fields=["due_at"], condition=models.Q(due_at__isnull=False), name="summary_due"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "variant", "case_revision", "requested_by"],
                name="summary_once_per_revision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} {self.get_variant_display()} (revision {self.case_revision})"
