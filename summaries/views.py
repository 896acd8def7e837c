from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.models import AuditKind
from audit.services import audit_record
from casework.access import summary_variants, visible_cases
from casework.models import Case
from directory.models import User
from kit.downloads import attachment_header
from kit.forms import Form
from summaries.models import CaseSummary, SummaryStatus
from summaries.services import (
    SummaryNotAllowed,
    summary_downloaded,
    summary_request,
    summary_retry,
    summary_slow,
    summary_verify,
)

if TYPE_CHECKING:
    from directory.http import AuthenticatedHttpRequest


def _case(request: AuthenticatedHttpRequest, reference: str) -> Case:
    return get_object_or_404(visible_cases(request.user), reference=reference)


def _summary(request: AuthenticatedHttpRequest, reference: str, pk: int) -> CaseSummary:
    case = _case(request, reference)
    summary = get_object_or_404(CaseSummary.objects.select_related("case"), pk=pk, case=case)
    # A summary the user's role may not have is as if it did not exist.
    if summary.variant not in summary_variants(request.user, case):
        raise Http404
    return summary


def visible_summaries(user: User, case: Case) -> list[CaseSummary]:
    variants = summary_variants(user, case)
    return (
        list(case.summaries.filter(variant__in=variants).select_related("requested_by")[:20])
        if variants
        else []
    )


@login_required
@require_POST
def summary_create(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = _case(request, reference)
    try:
        summary = summary_request(
            case=case, variant=request.POST.get("variant", ""), by=request.user
        )
    except SummaryNotAllowed:
        raise Http404 from None
    messages.info(
        request,
        f"Preparing the {summary.get_variant_display().lower()}. It will appear below when ready.",
    )
    return redirect(f"{reverse('casework:case_detail', args=[case.reference])}#summaries")


@login_required
@require_GET
def summary_status(request: AuthenticatedHttpRequest, reference: str, pk: int) -> JsonResponse:
    summary = _summary(request, reference, pk)
    return JsonResponse(
        {
            "status": summary.status,
            "label": summary.get_status_display(),
            "download": reverse("summaries:download", args=[reference, summary.pk])
            if summary.status == SummaryStatus.READY
            else "",
            "slow": summary_slow(summary),
            "page": reverse("summaries:detail", args=[reference, summary.pk]),
        }
    )


@login_required
@require_GET
def summary_detail(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    summary = _summary(request, reference, pk)
    slow = summary_slow(summary)
    return render(
        request,
        "summaries/summary.html",
        {
            "summary": summary,
            "case": summary.case,
            "slow": slow,
            "may_retry": slow or summary.status == SummaryStatus.FAILED,
        },
    )


@login_required
@require_POST
def summary_retry_view(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    # The same access as asking for it: a summary the user may not have is a 404.
    summary = summary_retry(summary=_summary(request, reference, pk))
    messages.info(request, f"Preparing the {summary.get_variant_display().lower()} again.")
    return redirect("summaries:detail", reference, summary.pk)


@login_required
@require_GET
def summary_download(request: AuthenticatedHttpRequest, reference: str, pk: int) -> FileResponse:
    summary = _summary(request, reference, pk)
    if summary.status != SummaryStatus.READY:
        raise Http404
    # The timeline line and the audit row are one record of the download: both or neither.
    with transaction.atomic():
        summary_downloaded(summary=summary, by=request.user)
        audit_record(
            kind=AuditKind.SUMMARY_DOWNLOADED,
            actor=request.user,
            case=summary.case,
            detail={
                "summary": summary.pk,
                "variant": summary.variant,
                "revision": summary.case_revision,
                "sha256": summary.sha256,
            },
            request=request,
        )
    response = FileResponse(summary.file.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = attachment_header(
        f"{summary.case.reference}-{summary.variant}-r{summary.case_revision}.pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class VerifyForm(Form):
    fingerprint = forms.CharField(
        label="Fingerprint",
        max_length=100,
        help_text="The content fingerprint printed in the summary's manifest, or the SHA-256 of the PDF file.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = VerifyForm(request.POST or None)
    result = None
    checked = False
    if request.method == "POST" and form.is_valid():
        checked = True
        result = summary_verify(fingerprint=form.cleaned_data["fingerprint"])
    case_visible = bool(result and visible_cases(request.user).filter(pk=result.case_id).exists())
    return render(
        request,
        "summaries/verify.html",
        {"form": form, "result": result, "checked": checked, "case_visible": case_visible},
    )
