"""Committee packs: PDFs of the governance figures for a period, kept privately."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from incidents.storage import PrivateStorage


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
    directorate = models.ForeignKey("directory.Directorate", on_delete=models.PROTECT, null=True, blank=True)
    platform = models.CharField(max_length=20, blank=True)
    scheduled = models.BooleanField(default=False, help_text="Made by the quarterly schedule.")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=12, choices=PackStatus.choices, default=PackStatus.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to=pack_upload_to, storage=PrivateStorage("SUMMARY_ROOT"), blank=True,
                            max_length=300)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # The quarterly schedule makes one pack per quarter, however often it runs.
            models.UniqueConstraint(fields=["start", "end"], condition=models.Q(scheduled=True),
                                    name="one_scheduled_pack_per_period"),
        ]

    def __str__(self) -> str:
        return f"Committee pack {self.start} to {self.end}"
