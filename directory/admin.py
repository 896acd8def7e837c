"""The staff directory in the admin: people, directorates and services.

Roles are Django groups, each tied to its :class:`directory.models.Role` by
code, so an administrator grants a role by adding the person to its group and
may rename the group freely.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from accounts.services import invitations_send
from directory.models import Directorate, RoleGroup, Service, SignInLink, User
from directory.services import management_loop_reason


class _EmailMixin:
    """Work emails are stored lower-case and are unique whatever their case."""

    cleaned_data: dict[str, Any]
    instance: User

    def clean_email(self) -> str:
        email = str(self.cleaned_data["email"]).strip().lower()
        taken = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("Someone in the directory already has this email address.")
        return email


class StaffCreationForm(_EmailMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class StaffChangeForm(_EmailMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_line_manager(self) -> User | None:
        # The same rule as the staff import: conflict-of-interest checks walk
        # this line, and a loop would put everyone on it above everyone else.
        manager: User | None = self.cleaned_data.get("line_manager")
        if manager is None or self.instance.pk is None:
            return manager
        if manager.pk == self.instance.pk:
            raise forms.ValidationError("A person can't be their own line manager.")
        above = manager.management_chain()
        if self.instance.pk in {person.pk for person in above}:
            up_to_them = above[: [person.pk for person in above].index(self.instance.pk) + 1]
            reason = management_loop_reason(
                str(self.instance), [str(person) for person in (manager, *up_to_them)]
            )
            raise forms.ValidationError(f"{reason}.")
        return manager


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = StaffChangeForm
    add_form = StaffCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            "Personal details",
            {"fields": ("first_name", "last_name", "job_title", "employment_type")},
        ),
        ("Place in the organisation", {"fields": ("service", "line_manager")}),
        (
            "Roles and permissions",
            {
                "description": "A person's Flagpost roles are the groups they belong to "
                "(for example “HR lead”). Every member of staff can report a post without one.",
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
            },
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    # Recorded by Flagpost, not typed in.
    readonly_fields = ("last_login", "date_joined")
    # Plain lists rather than the two-box chooser, whose search boxes carry labels that
    # assistive technology isn't allowed to read on the element they are put on.
    filter_horizontal = ()
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "description": "Enter the work email first; name, job title and service come next.",
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = (
        "email",
        "full_name",
        "job_title",
        "service",
        "line_manager",
        "employment_type",
        "is_active",
    )
    list_select_related = ("service__directorate", "line_manager")
    list_filter = ("employment_type", "groups", "service__directorate", "is_active", "is_staff")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("last_name", "first_name")
    autocomplete_fields = ("line_manager", "service")
    actions = ("send_invitations",)

    @admin.action(
        description="Email the selected people a link to set their password", permissions=["change"]
    )
    def send_invitations(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        user = request.user
        assert isinstance(user, User)
        sent = invitations_send(people=queryset, by=user, request=request)
        skipped = queryset.count() - sent
        text = f"Invitation sent to {sent} {'person' if sent == 1 else 'people'}."
        if skipped:
            text += f" {skipped} left out: deactivated, or signing in through single sign-on."
        self.message_user(request, text, messages.SUCCESS if sent else messages.WARNING)

    def get_urls(self) -> list[URLPattern]:
        invite = self.admin_site.admin_view(require_POST(self.invite_view))
        return [
            path("<path:object_id>/invite/", invite, name="directory_user_invite"),
            *super().get_urls(),
        ]

    def invite_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The person's page's "Email a link to set a password" button."""
        person = self.get_object(request, unquote(object_id))
        if person is None or not self.has_change_permission(request, person):
            raise Http404
        user = request.user
        assert isinstance(user, User)
        if invitations_send(people=[person], by=user, request=request):
            self.message_user(request, f"Invitation sent to {person.email}.", messages.SUCCESS)
        else:
            self.message_user(
                request,
                f"{person} was not invited: deactivated, or signing in through single sign-on.",
                messages.WARNING,
            )
        return redirect("admin:directory_user_change", person.pk)

    @admin.display(description="name", ordering="last_name")
    def full_name(self, user: User) -> str:
        return user.get_full_name()


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 1


@admin.register(Directorate)
class DirectorateAdmin(admin.ModelAdmin):
    list_display = ("name", "service_count")
    search_fields = ("name",)
    inlines = (ServiceInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Directorate]:
        return super().get_queryset(request).annotate(service_count=Count("services"))

    @admin.display(description="services", ordering="service_count")
    def service_count(self, directorate: Directorate) -> int:
        return directorate.service_count  # type: ignore[attr-defined]  # annotated by get_queryset


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "directorate")
    list_select_related = ("directorate",)
    list_filter = ("directorate",)
    # The directorate's name too: one service name (e.g. "Physiotherapy") can sit in several.
    search_fields = ("name", "directorate__name")
    autocomplete_fields = ("directorate",)


class RoleGroupInline(admin.StackedInline):
    model = RoleGroup
    can_delete = False
    verbose_name = "role this group carries"
    verbose_name_plural = "role this group carries"
    help_text = "The group's name is only a label: the role it grants is this one."


admin.site.unregister(Group)


@admin.register(Group)
class RoleAwareGroupAdmin(GroupAdmin):
    """Groups with the role each one carries; renaming a group keeps its role."""

    inlines = [RoleGroupInline]
    list_display = ["name", "carried_role"]

    @admin.display(description="Role")
    def carried_role(self, group: Group) -> str:
        link = getattr(group, "role", None)
        return link.get_code_display() if link is not None else "—"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Group]:
        return super().get_queryset(request).select_related("role")


@admin.register(SignInLink)
class SignInLinkAdmin(admin.ModelAdmin):
    """Who is tied to which account at an identity provider. Made only by signing in.

    Deleting a link unlinks the person: their next single sign-on is matched by
    their verified email again (after a provider account was recreated, say).
    """

    list_display = ["user", "organisation", "issuer", "linked_at", "last_used_at"]
    list_select_related = ["user", "organisation"]
    list_filter = ["organisation"]
    search_fields = ["user__email", "user__last_name"]
    fields = ("user", "organisation", "issuer", "subject", "linked_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
