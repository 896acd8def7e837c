from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Func, OuterRef, Subquery
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from audit.models import AuditKind
from audit.services import audit_record
from casework.access import (
    may,
    may_add_evidence,
    visible_evidence_files,
    visible_reports_as_reporter,
)
from casework.forms import CaseActionForm as WithdrawForm
from casework.models import CaseState, ReporterStatus
from casework.services import CaseActionError, case_withdraw
from directory.http import AuthenticatedHttpRequest
from incidents.forms import EvidenceAddForm, ReportForm
from incidents.models import EvidenceFile, EvidenceLink, Report
from incidents.services import (
    EvidenceNotStored,
    ReportClosed,
    UploadLimitReached,
    report_add_evidence,
    report_submit,
)
from kit.downloads import attachment_header
from kit.paging import keys, keyset_page

MY_REPORTS_PAGE_SIZE = 20

# A storage failure is the server's, so the answer is a 5xx (monitoring counts
# it, no client takes it for a success) that still carries the form with what
# was typed: browsers show a 503's page, and nothing asks them to resend it.
NOT_SENT_STATUS = 503


@login_required
@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    recent = visible_reports_as_reporter(request.user).select_related("case")[:5]
    return render(request, "incidents/home.html", {"recent_reports": recent})


@login_required
@require_http_methods(["GET", "POST"])
def report_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES, reporter=request.user)
        token = request.POST.get("submission_token")
        # A resubmitted form (double click, browser back-and-resend) goes
        # straight to the receipt of the report it already made.
        if token:
            done = (
                visible_reports_as_reporter(request.user)
                .filter(submission_token__iexact=token)
                .first()
            )
            if done is not None:
                return redirect("incidents:report_receipt", reference=done.reference)
        if form.is_valid():
            try:
                submission = report_submit(reporter=request.user, draft=form.draft())
            except UploadLimitReached as error:
                form.add_error("screenshots", error)  # the rest of the answers stay in the form
            except EvidenceNotStored:
                return render(
                    request,
                    "incidents/report_form.html",
                    {"form": form, "not_sent": True, "files_lost": bool(request.FILES)},
                    status=NOT_SENT_STATUS,
                )
            else:
                for notice in form.notices:
                    messages.info(request, notice)
                # That it joined an existing case is said by the receipt itself, on every visit.
                return redirect("incidents:report_receipt", reference=submission.report.reference)
        if request.FILES:
            messages.warning(request, "For your security, files you chose need to be chosen again.")
    else:
        form = ReportForm(reporter=request.user)
    return render(request, "incidents/report_form.html", {"form": form})


def _own_report(request: AuthenticatedHttpRequest, reference: str) -> Report:
    return get_object_or_404(
        visible_reports_as_reporter(request.user)
        .select_related("case")
        .prefetch_related("links", "files", "principles__version__policy"),
        reference=reference,
    )


@login_required
@require_GET
def report_receipt(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    report = _own_report(request, reference)
    return render(request, "incidents/report_receipt.html", {"report": report})


@login_required
@require_GET
def my_reports(request: AuthenticatedHttpRequest) -> HttpResponse:
    reports = visible_reports_as_reporter(request.user).select_related("case")
    query = request.GET.get("q", "").strip()
    if query:
        # Within the reporter's own reports (their index bounds it): any part of the reference.
        reports = reports.filter(reference__icontains=query)
    status = request.GET.get("status", "")
    if status == ReporterStatus.RECEIVED:
        reports = reports.filter(case__state=CaseState.NEW)
    elif status == ReporterStatus.CLOSED:
        reports = reports.filter(case__state=CaseState.CLOSED)
    elif status == ReporterStatus.UNDER_REVIEW:
        reports = reports.exclude(case__state__in=[CaseState.NEW, CaseState.CLOSED])
    # Counted per row, for the page's rows only, rather than by joining every report's evidence.
    links = EvidenceLink.objects.filter(report=OuterRef("pk")).order_by()
    files = EvidenceFile.objects.filter(report=OuterRef("pk")).order_by()
    reports = reports.annotate(
        link_count=Subquery(links.annotate(n=Func("pk", function="COUNT")).values("n")),
        file_count=Subquery(files.annotate(n=Func("pk", function="COUNT")).values("n")),
    )
    page = keyset_page(
        reports, sort=keys("-submitted_at", "-pk"), params=request.GET, size=MY_REPORTS_PAGE_SIZE
    )
    return render(
        request,
        "incidents/my_reports.html",
        {"page": page, "query": query, "status": status, "statuses": ReporterStatus.choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_detail(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    report = _own_report(request, reference)
    can_add = may_add_evidence(request.user, report)
    form = None
    if can_add:
        counts = {
            "files_already": len(report.files.all()),
            "links_already": len(report.links.all()),
        }
        if request.method == "POST":
            form = EvidenceAddForm(request.POST, request.FILES, uploader=request.user, **counts)
            if form.is_valid():
                try:
                    report_add_evidence(
                        report=report,
                        by=request.user,
                        links=form.cleaned_data["links"],
                        files=form.cleaned_data["screenshots"],
                    )
                except ReportClosed as error:
                    messages.error(request, str(error))
                except UploadLimitReached as error:
                    form.add_error("screenshots", error)
                except EvidenceNotStored:
                    return render(
                        request,
                        "incidents/report_detail.html",
                        {
                            "report": report,
                            "form": form,
                            "can_add": can_add,
                            "can_withdraw": _may_withdraw(request, report),
                            "not_added": True,
                            "files_lost": bool(request.FILES),
                        },
                        status=NOT_SENT_STATUS,
                    )
                else:
                    messages.success(
                        request, "Thank you. Your further evidence has been added to the report."
                    )
                    for notice in form.notices:
                        messages.info(request, notice)
                if not form.errors:
                    return redirect("incidents:report_detail", reference=report.reference)
        else:
            form = EvidenceAddForm(uploader=request.user, **counts)
    elif request.method == "POST":
        messages.error(request, "This report's case is closed, so no more evidence can be added.")
        return redirect("incidents:report_detail", reference=report.reference)
    return render(
        request,
        "incidents/report_detail.html",
        {
            "report": report,
            "form": form,
            "can_add": can_add,
            "can_withdraw": _may_withdraw(request, report),
        },
    )


def _may_withdraw(request: AuthenticatedHttpRequest, report: Report) -> bool:
    return report.case.state == CaseState.NEW and may(request.user, "withdraw", report.case)


@login_required
@require_http_methods(["GET", "POST"])
def report_withdraw(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    report = _own_report(request, reference)
    case = report.case
    if not (may(request.user, "withdraw", case) and case.state == CaseState.NEW):
        messages.error(
            request,
            "This report can no longer be withdrawn: the case team has started looking at it, "
            "or it is part of a case other people reported too.",
        )
        return redirect("incidents:report_detail", reference=report.reference)
    form = WithdrawForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            case_withdraw(
                case=case,
                by=request.user,
                note=form.cleaned_data["note"],
                seen_revision=form.cleaned_data["seen_revision"],
            )
        except CaseActionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Your report has been withdrawn and its case closed.")
        return redirect("incidents:report_detail", reference=report.reference)
    return render(request, "incidents/report_withdraw.html", {"report": report, "form": form})


@login_required
@require_GET
def evidence_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    evidence = get_object_or_404(visible_evidence_files(request.user), pk=pk)
    audit_record(
        kind=AuditKind.EVIDENCE_DOWNLOADED,
        actor=request.user,
        case=evidence.report.case,
        detail={
            "file": evidence.pk,
            "report": evidence.report.reference,
            "sha256": evidence.sha256,
        },
        request=request,
    )
    extension = (evidence.file.name or "").rsplit(".", 1)[-1]
    response = FileResponse(evidence.file.open("rb"), content_type=evidence.content_type)
    response["Content-Disposition"] = attachment_header(
        f"evidence-{evidence.report.reference}-{evidence.pk}.{extension}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
