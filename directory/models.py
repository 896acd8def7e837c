"""The staff directory: the organisation's structure and its people.

Every member of staff is a reporter. The other roles are Django groups, so an
administrator grants them in the admin; each role's group is tied to the role
by its stable code (:class:`RoleGroup`), never by the group's name, so the
name can be changed in the admin without revoking anything.
"""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager, Group
from django.db import models
from django.db.models.functions import Lower

from organisations.models import Organisation


class Role(models.TextChoices):
    TRIAGE_OFFICER = "triage_officer", "Triage officer"
    HR_INVESTIGATOR = "hr_investigator", "HR investigator"
    HR_LEAD = "hr_lead", "HR lead"
    IG_LEAD = "ig_lead", "Information governance lead"
    SAFEGUARDING_LEAD = "safeguarding_lead", "Safeguarding lead"
    COMMUNICATIONS_LEAD = "communications_lead", "Communications lead"
    GOVERNANCE = "governance", "Governance committee"
    ADMINISTRATOR = "administrator", "Administrator"


class EmploymentType(models.TextChoices):
    PERMANENT = "permanent", "Permanent"
    TEMPORARY = "temporary", "Temporary or agency"
    STUDENT = "student", "Student on placement"
    VOLUNTEER = "volunteer", "Volunteer"


class EmailPreference(models.TextChoices):
    IMMEDIATE = "immediate", "Email me each notification as it happens"
    DAILY_DIGEST = (
        "daily_digest",
        "One email a day with everything (urgent ones still come at once)",
    )


class Directorate(models.Model):
    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    directorate = models.ForeignKey(Directorate, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["directorate__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["directorate", "name"], name="service_unique_in_directorate"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.directorate.name})"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        # Work emails are matched without regard to case: Jo.Bloggs@ and jo.bloggs@ are one person.
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **fields: object) -> User:
        if not email:
            raise ValueError("A work email is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractUser):
    """A member of staff. Signs in with their work email."""

    username = None  # type: ignore[assignment]  # removes AbstractUser's field: the email is the username
    email = models.EmailField("work email", unique=True)
    job_title = models.CharField(max_length=200, blank=True)
    employment_type = models.CharField(
        max_length=20, choices=EmploymentType.choices, default=EmploymentType.PERMANENT
    )
    service = models.ForeignKey(
        Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="staff"
    )
    line_manager = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="direct_reports"
    )
    email_preference = models.CharField(
        max_length=20, choices=EmailPreference.choices, default=EmailPreference.IMMEDIATE
    )
    # The employer. Optional while cases, roles and policies are not yet held per organisation.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]  # the stub expects auth's UserManager; ours signs in by email

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def role_codes(self) -> frozenset[str]:
        """The codes of the user's roles (``Role`` values), read once per instance (a request's user)."""
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            cached = (
                frozenset(
                    self.groups.filter(role__isnull=False).values_list("role__code", flat=True)
                )
                if self.pk
                else frozenset()
            )
            self._role_codes = cached
        return cached

    def has_role(self, role: Role) -> bool:
        return role.value in self.role_codes

    def management_chain(self, *, limit: int | None = None) -> list[User]:
        """The user's line manager, their manager, and so on up to the top.

        The import and the admin refuse a loop, but one can still be stored
        (written to the database directly, or from before those checks), so
        the walk stops at anyone already seen. There is no depth cut by
        default: the conflict-of-interest check must see every level, and the
        seen set is what guarantees the walk ends. ``limit`` is for callers
        that only want the first few levels.
        """
        chain: list[User] = []
        seen = {self.pk}
        manager = self.line_manager
        while (
            manager is not None and manager.pk not in seen and (limit is None or len(chain) < limit)
        ):
            chain.append(manager)
            seen.add(manager.pk)
            manager = manager.line_manager
        return chain


class RoleGroup(models.Model):
    """Which group carries which role: by the role's code, so renaming the group changes nothing."""

    group = models.OneToOneField(
        Group, on_delete=models.CASCADE, primary_key=True, related_name="role"
    )
    code = models.CharField(max_length=40, choices=Role.choices, unique=True)

    class Meta:
        verbose_name = "role's group"

    def __str__(self) -> str:
        return f"{self.get_code_display()}: {self.group.name}"


def role_group(role: Role) -> Group:
    """The group that carries ``role``, made (named after the role) the first time it is asked for."""
    link = RoleGroup.objects.select_related("group").filter(code=role.value).first()
    if link is not None:
        return link.group
    group, _ = Group.objects.get_or_create(name=str(role.label))
    RoleGroup.objects.get_or_create(code=role.value, defaults={"group": group})
    return group


class SignInLink(models.Model):
    """A directory entry tied to an account at an identity provider, by the provider's subject.

    Made the first time someone signs in through their organisation's provider
    with a verified email; afterwards the stable subject (``sub``) finds them
    even if their email changes. Deleting the row unlinks them: the next sign-in
    is matched by email again.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sign_in_links")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="sign_in_links"
    )
    issuer = models.CharField(max_length=500)
    subject = models.CharField(max_length=255)
    linked_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sign_in_link_unique"),
            # One account per provider per person: a second subject for the same person is
            # someone else's account, or a recreated one, for an administrator to look at.
            models.UniqueConstraint(fields=["user", "issuer"], name="sign_in_link_one_per_issuer"),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.organisation}"
