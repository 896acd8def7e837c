"""The policy register: policies, their versions and their principles."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone


class PolicyKind(models.TextChoices):
    SOCIAL_MEDIA = "social_media", "Social media policy or guidance"
    INVESTIGATING = "investigating", "Policy a breach is investigated under"
    LEGISLATION = "legislation", "Legislation"


class Policy(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    organisation = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=PolicyKind.choices)
    description = models.TextField(blank=True, help_text="What the policy covers, in plain words.")

    class Meta:
        ordering = ["kind", "title"]
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return self.title

    def current_version(self) -> PolicyVersion | None:
        return self.versions.order_by(models.F("ratified_on").desc(nulls_last=True), "-pk").first()


class PolicyVersionQuerySet(models.QuerySet["PolicyVersion"]):
    def in_force_on(self, day: dt.date) -> PolicyVersionQuerySet:
        """Versions ratified on or before ``day`` (a version with no known date counts as in force).

        A version past its expiry date stays the one in force until a newer one is
        ratified; being out of date is flagged to governance, not hidden.
        """
        return self.filter(Q(ratified_on__lte=day) | Q(ratified_on__isnull=True))

    def expired(self, *, today: dt.date | None = None) -> PolicyVersionQuerySet:
        return self.filter(expires_on__lt=today or timezone.localdate())


class PolicyVersion(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="versions")
    version = models.CharField(max_length=40, help_text="The version label, e.g. 6 or 2016.")
    unique_identifier = models.CharField(
        max_length=80,
        blank=True,
        help_text="The identifier printed on the document. Leave blank if the document gives none.",
    )
    owner = models.CharField(max_length=300, blank=True, help_text="Author or owning post.")
    responsible_group = models.CharField(max_length=200, blank=True)
    ratified_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    source_document = models.CharField(
        max_length=300, blank=True, help_text="Where the definitive copy is held."
    )
    notes = models.TextField(blank=True)

    objects = PolicyVersionQuerySet.as_manager()

    class Meta:
        ordering = ["policy__title", "-ratified_on"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "version"], name="policy_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.policy.title} (version {self.version})"

    def is_expired(self, *, today: dt.date | None = None) -> bool:
        return self.expires_on is not None and self.expires_on < (today or timezone.localdate())


class PrincipleTheme(models.TextChoices):
    """Plain-words headings the report form groups a policy's principles under."""

    PATIENTS = "patients", "Patients, confidential information and photos"
    PEOPLE = "people", "How it treats or talks about people"
    TRUTH = "truth", "Honesty, facts and opinions"
    WORK = "work", "Work time, work accounts and speaking for the organisation"
    OTHER = "other", "Anything else the policy asks"


class Principle(models.Model):
    """One clause of a social-media policy that a post may breach."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="principles")
    reference = models.CharField(max_length=40, help_text="The section, e.g. §5.")
    title = models.CharField(max_length=200)
    summary = models.TextField(help_text="Plain words, written for the person making a report.")
    investigated_under = models.ForeignKey(
        Policy,
        on_delete=models.PROTECT,
        related_name="investigated_principles",
        limit_choices_to={"kind__in": [PolicyKind.INVESTIGATING, PolicyKind.LEGISLATION]},
    )
    position = models.PositiveSmallIntegerField(default=0)
    theme = models.CharField(
        max_length=20,
        choices=PrincipleTheme.choices,
        default=PrincipleTheme.OTHER,
        help_text="The plain-words heading the report form shows it under.",
    )

    class Meta:
        ordering = ["version__policy__title", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "title"], name="principle_title_unique_in_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.reference})"
