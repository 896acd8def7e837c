"""Committee packs: PDFs of the governance figures for a period, kept privately."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kit.storage import PrivateStorage


class PackStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to be prepared"
    RENDERING = "rendering", "Being prepared"
    READY = "ready", "Ready"
    FAILED = "failed", "Could not be prepared"


def pack_upload_to(instance: CommitteePack, filename: str) -> str:
    return f"packs/{instance.start:%Y%m%d}-{instance.end:%Y%m%d}-{instance.pk}.pdf"


class CommitteePack(models.Model):
    start = models.DateField()
    end = models.DateField()
    period = models.CharField(max_length=10)
    directorate = models.ForeignKey(
        "directory.Directorate", on_delete=models.PROTECT, null=True, blank=True
    )
    platform = models.CharField(max_length=20, blank=True)
    scheduled = models.BooleanField(default=False, help_text="Made by the quarterly schedule.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=12, choices=PackStatus.choices, default=PackStatus.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(
        upload_to=pack_upload_to, storage=PrivateStorage("SUMMARY_ROOT"), blank=True, max_length=300
    )
    sha256 = models.CharField(max_length=64, blank=True)
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
                fields=["due_at"], condition=models.Q(due_at__isnull=False), name="pack_due"
            ),
        ]
        constraints = [
            # The quarterly schedule makes one pack per quarter, however often it runs.
            models.UniqueConstraint(
                fields=["start", "end"],
                condition=models.Q(scheduled=True),
                name="one_scheduled_pack_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"Committee pack {self.start} to {self.end}"


class Measure(models.TextChoices):
    REPORTS = "reports", "Reports received (by day submitted)"
    OPENED = "opened", "Cases opened"
    OPEN = "open", "Cases still open (by day opened)"
    CLOSED = "closed", "Cases closed (detail: how they ended)"
    SAFEGUARDING = "safeguarding", "Opened with a safeguarding flag"
    BREACH = "breach", "Opened with a data-breach flag"
    BREACH_IN_TIME = "breach_in_time", "Data breaches assessed within 72 hours (by day opened)"
    PRINCIPLE = "principle", "Cases opened (detail: principle id)"
    TO_TRIAGE = "to_triage", "Triage started (detail: working days from opening)"
    TO_CLOSE = "to_close", "Cases closed (detail: working days from opening)"
    DEADLINE_DUE = "deadline_due", "Deadlines due (detail: stage)"
    DEADLINE_MET = "deadline_met", "Deadlines met in time (by day due; detail: stage)"


class DailyCount(models.Model):
    """How many cases (or reports, or deadlines) a measure counted on one local day.

    Maintained by ``governance.rollup``; never edited by hand.
    """

    measure = models.CharField(max_length=20, choices=Measure.choices)
    day = models.DateField()
    directorate = models.BigIntegerField(
        default=0,
        help_text="Directorate id; 0 when not identified; -1 for the sum over every directorate.",
    )
    platform = models.CharField(max_length=20, blank=True, help_text="Empty for every platform.")
    detail = models.CharField(max_length=80, blank=True)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # In this order the key's index also serves every read: a measure, a platform, a directorate
            # (or all of them), a range of days.
            models.UniqueConstraint(
                fields=["measure", "platform", "directorate", "day", "detail"],
                name="daily_count_key",
            ),
        ]


class CaseFacts(models.Model):
    """The facts a case was last counted with, so a change can take back exactly what it added.

    A plain id, not a foreign key: a deleted case must still be taken out of the counts.
    """

    case_id = models.BigIntegerField(primary_key=True)
    facts = models.JSONField()


class RollupState(models.Model):
    """One row; locked while counts are applied, so only one process applies them at a time."""

    refreshed_at = models.DateTimeField(null=True, blank=True)
    rebuilt_at = models.DateTimeField(null=True, blank=True)
