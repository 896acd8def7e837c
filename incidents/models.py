"""Reports of social-media posts and the evidence that comes with them.

Evidence is append-only: links and files are added, never edited or removed,
and each records who added it and when. Files carry the SHA-256 computed the
moment they were received.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from directory.handles import handle_key_keep
from incidents.storage import EvidenceStorage


class Platform(models.TextChoices):
    FACEBOOK = "facebook", "Facebook"
    X = "x", "X (Twitter)"
    INSTAGRAM = "instagram", "Instagram"
    YOUTUBE = "youtube", "YouTube"
    LINKEDIN = "linkedin", "LinkedIn"
    TIKTOK = "tiktok", "TikTok"
    FLICKR = "flickr", "Flickr"
    BLOG = "blog", "A blog"
    OTHER = "other", "Other"


class Answer(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_SURE = "not_sure", "Not sure"


class PosterKind(models.TextChoices):
    COLLEAGUE = "colleague", "A colleague I can name"
    HANDLE = "handle", "An account name, handle or pseudonym"
    UNKNOWN = "unknown", "I don't know who posted it"


class ReferenceCounter(models.Model):
    """The last report number issued in a year; locked while a number is taken."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class Report(models.Model):
    reference = models.CharField(max_length=32, unique=True)
    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reports"
    )
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The form's one-time token: a resubmitted form finds its report instead of making another.
    submission_token = models.UUIDField(default=uuid.uuid4, editable=False)

    platform = models.CharField(max_length=20, choices=Platform.choices)
    seen_at = models.DateTimeField("when you saw the post")
    posted_at = models.DateTimeField("when it was posted", null=True, blank=True)
    description = models.TextField("what the post shows")

    poster_kind = models.CharField(max_length=20, choices=PosterKind.choices)
    poster = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports_about",
    )
    poster_handle = models.CharField("account name or handle", max_length=200, blank=True)
    # The handle as every lookup compares it, kept by save() (see directory.handles).
    poster_handle_key = models.CharField(
        max_length=200, blank=True, default="", db_default="", editable=False, db_index=True
    )

    principles = models.ManyToManyField("policies.Principle", blank=True, related_name="reports")
    shows_patient = models.CharField(
        "shows a patient or patient information", max_length=10, choices=Answer.choices
    )
    welfare_risk = models.CharField(
        "someone's welfare is at risk", max_length=10, choices=Answer.choices
    )
    confidential = models.BooleanField("keep my identity confidential", default=False)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["reporter", "-submitted_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "submission_token"], name="report_submitted_once"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: Any, **kwargs: Any) -> None:
        handle_key_keep(self, kwargs)
        super().save(*args, **kwargs)

    @property
    def seen_on(self) -> dt.date:
        return timezone.localdate(self.seen_at)


class EvidenceLink(models.Model):
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="links")
    url = models.URLField(max_length=2000, help_text="As the reporter gave it.")
    normalised_url = models.CharField(max_length=2000, db_index=True)
    platform = models.CharField(max_length=20, choices=Platform.choices)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "pk"]

    def __str__(self) -> str:
        return self.url


def evidence_upload_to(instance: EvidenceFile, filename: str) -> str:
    # The stored name is generated: nothing the uploader chose reaches the disk.
    now = timezone.now()
    extension = {"image/png": "png", "image/jpeg": "jpg", "application/pdf": "pdf"}[
        instance.content_type
    ]
    return f"{now:%Y/%m}/{uuid.uuid4().hex}.{extension}"


class EvidenceFile(models.Model):
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="files")
    # Indexed for the orphan check, which looks files up by name.
    file = models.FileField(
        upload_to=evidence_upload_to, storage=EvidenceStorage(), max_length=200, db_index=True
    )
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "pk"]

    def __str__(self) -> str:
        return self.original_name
