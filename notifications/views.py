from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from directory.http import AuthenticatedHttpRequest
from directory.models import EmailPreference
from kit.forms import Form
from kit.paging import keys, keyset_page
from notifications.models import Notification
from notifications.selectors import notifications_for

PAGE_SIZE = 25


class PreferenceForm(Form):
    email_preference = forms.ChoiceField(
        label="How would you like to get emails?",
        choices=EmailPreference.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how you would like to get emails."},
    )


@login_required
@require_GET
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    notifications = notifications_for(request.user)
    only_unread = request.GET.get("show") == "unread"
    if only_unread:
        notifications = notifications.filter(read_at__isnull=True)
    page = keyset_page(
        notifications, sort=keys("-created_at", "-pk"), params=request.GET, size=PAGE_SIZE
    )
    return render(request, "notifications/inbox.html", {"page": page, "only_unread": only_unread})


@login_required
@require_POST
def notification_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read, then go where it points."""
    notification = get_object_or_404(notifications_for(request.user), pk=pk)
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    target = notification.link if notification.link else None
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    unread = notifications_for(request.user).filter(read_at__isnull=True)
    count = Notification.objects.filter(pk__in=unread.values("pk")).update(read_at=timezone.now())
    messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked as read.")
    return redirect("notifications:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = PreferenceForm(request.POST or None, initial={"email_preference": user.email_preference})
    if request.method == "POST" and form.is_valid():
        user.email_preference = form.cleaned_data["email_preference"]
        user.save(update_fields=["email_preference"])
        messages.success(request, "Your notification settings are saved.")
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
