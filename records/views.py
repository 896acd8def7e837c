from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casework.access import may_export_subject_access, may_place_legal_hold, visible_cases
from casework.models import Case
from directory.http import AuthenticatedHttpRequest
from directory.models import User
from records import services
from records.forms import LegalHoldLiftForm, LegalHoldPlaceForm, PersonSearchForm
from records.selectors import PLACEHOLDER_EMAIL, legal_hold_in_force, people_search, recent_exports
from records.services import (
    CaseNotFound,
    HoldRefused,
    SubjectAccessRefused,
    sar_filename,
    subject_access_export,
)


def _case_for_hold(request: AuthenticatedHttpRequest, reference: str) -> Case:
    case = get_object_or_404(visible_cases(request.user), reference=reference)
    if not may_place_legal_hold(request.user, case):
        raise Http404
    return case


@login_required
@require_http_methods(["GET", "POST"])
def legal_hold_place(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = _case_for_hold(request, reference)
    form = LegalHoldPlaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.legal_hold_place(
                case=case, by=request.user, reason=form.cleaned_data["reason"], request=request
            )
        except CaseNotFound:
            raise Http404 from None
        except HoldRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                f"Case {case.reference} is on legal hold. Nothing on it will be removed "
                "under the retention schedule until the hold is lifted.",
            )
            return redirect("casework:case_detail", case.reference)
    status = 400 if form.errors else 200
    return render(
        request,
        "records/legal_hold_form.html",
        {"case": case, "form": form, "placing": True, "hold": legal_hold_in_force(case)},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def legal_hold_lift(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = _case_for_hold(request, reference)
    form = LegalHoldLiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.legal_hold_lift(
                case=case, by=request.user, reason=form.cleaned_data["reason"], request=request
            )
        except CaseNotFound:
            raise Http404 from None
        except HoldRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                f"The legal hold on case {case.reference} is lifted. The case follows the "
                "retention schedule again.",
            )
            return redirect("casework:case_detail", case.reference)
    status = 400 if form.errors else 200
    return render(
        request,
        "records/legal_hold_form.html",
        {"case": case, "form": form, "placing": False, "hold": legal_hold_in_force(case)},
        status=status,
    )


@login_required
@require_GET
def subject_access(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Find the person a subject access request is about; each result offers their archive."""
    if not may_export_subject_access(request.user):
        raise Http404
    form = PersonSearchForm(request.GET or None)
    people = list(people_search(form.cleaned_data["q"])) if form.is_valid() else None
    return render(
        request,
        "records/subject_access.html",
        {
            "form": form,
            "people": people,
            "exports": recent_exports(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def subject_access_download(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    if not may_export_subject_access(request.user):
        raise Http404
    subject = get_object_or_404(User.objects.exclude(email=PLACEHOLDER_EMAIL), pk=person_id)
    try:
        export, archive = subject_access_export(subject=subject, by=request.user, request=request)
    except SubjectAccessRefused as refusal:
        messages.error(request, str(refusal))
        return redirect(reverse("records:subject_access"))
    response = HttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(
        True, sar_filename(subject, on=timezone.localdate(export.created_at))
    )
    response["Cache-Control"] = "no-store"
    return response
