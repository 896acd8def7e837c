"""Asking for a password reset link, and setting a password from an emailed link."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN, PasswordResetConfirmView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.forms import PasswordResetRequestForm, PasswordSetForm
from accounts.links import link_hours
from accounts.services import password_reset_request, password_set_from_link, reset_requests_allowed
from directory.models import User


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST":
        if not reset_requests_allowed(request):
            return render(
                request,
                "accounts/password_reset_limited.html",
                {"link_hours": link_hours()},
                status=429,
            )
        if form.is_valid():
            # Whatever was typed, the same answer: it never says whether an account exists.
            password_reset_request(email=form.cleaned_data["email"], request=request)
            return redirect("accounts:password_reset_sent")
    return render(request, "accounts/password_reset.html", {"form": form})


@require_GET
def password_reset_sent(request: HttpRequest) -> HttpResponse:
    again = max(1, settings.PASSWORD_RESET_EMAIL_INTERVAL_SECONDS // 60)
    return render(
        request,
        "accounts/password_reset_sent.html",
        {"link_hours": link_hours(), "again_minutes": again},
    )


class PasswordSetView(PasswordResetConfirmView):
    """A link from an invitation or a reset email: the form for a new password.

    Django's view moves the token from the address into the session before showing the form, so
    the page's address (and any Referer it sends) no longer holds it. A link that has expired,
    has been used, was mangled or belongs to someone deactivated shows a page saying so.
    """

    form_class = PasswordSetForm
    template_name = "accounts/password_set.html"
    success_url = reverse_lazy("login")

    def get_user(self, uidb64: str) -> User | None:
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "link_hours": link_hours()}

    def form_valid(self, form: PasswordSetForm) -> HttpResponse:  # type: ignore[override]
        token = self.request.session.get(INTERNAL_RESET_SESSION_TOKEN, "")
        done = password_set_from_link(
            person=form.user,
            token=token,
            password=form.cleaned_data["new_password1"],
            request=self.request,
        )
        if not done:  # the same link used a moment ago in another tab
            self.validlink = False
            return self.render_to_response(self.get_context_data())
        # Out of any session on this browser, theirs or someone else's (a shared computer): they
        # sign in afresh with the new password.
        logout(self.request)
        messages.success(self.request, "Your password is set. Sign in with it now.")
        return redirect(self.get_success_url())
