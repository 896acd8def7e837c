from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from audit.models import AuditKind
from audit.services import audit_record
from casework.access import may_see_governance
from directory.http import AuthenticatedHttpRequest
from governance.csv_export import figures_csv_zip, table_csv
from governance.figures import TOTAL, Figures
from governance.forms import FiguresForm
from governance.models import CommitteePack, PackStatus
from governance.selectors import governance_figures
from governance.services import pack_request, pack_retry, pack_slow
from kit.downloads import attachment_header


def _figures(request: AuthenticatedHttpRequest) -> tuple[FiguresForm, Figures]:
    if not may_see_governance(request.user):
        raise Http404
    form = FiguresForm(request.GET or None)
    return form, governance_figures(form.filters())


def _charts(figures: Figures) -> list[dict]:
    """Chart data for the page's script; the same numbers as the tables beneath the charts."""
    charts = []
    for table in figures.tables:
        if not table.chart:
            continue
        labels = [str(row[0]) for row in table.rows if str(row[0]) != TOTAL]
        series = []
        for index, column in enumerate(table.columns[1:], start=1):
            if table.chart == "bar" and index > 1:
                break
            values = [
                row[index] if isinstance(row[index], (int, float)) else None
                for row in table.rows
                if str(row[0]) != TOTAL
            ]
            series.append({"label": column, "values": values})
        charts.append(
            {
                "key": table.key,
                "kind": table.chart,
                "title": table.title,
                "labels": labels,
                "series": series,
            }
        )
    return charts


def _audit_export(
    request: AuthenticatedHttpRequest, *, export: str, figures: Figures, table: str = ""
) -> None:
    detail = {"export": export, "from": str(figures.filters.start), "to": str(figures.filters.end)}
    if table:
        detail["table"] = table
    audit_record(
        kind=AuditKind.GOVERNANCE_EXPORT_DOWNLOADED,
        actor=request.user,
        detail=detail,
        request=request,
    )


@login_required
@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, figures = _figures(request)
    return render(
        request,
        "governance/dashboard.html",
        {
            "form": form,
            "figures": figures,
            "charts": _charts(figures),
            "query": request.GET.urlencode(),
            "packs": CommitteePack.objects.all()[:8],
        },
    )


@login_required
@require_GET
def export_table(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    _, figures = _figures(request)
    try:
        table = figures.table(key)
    except StopIteration:
        raise Http404 from None
    _audit_export(request, export="table", table=key, figures=figures)
    response = HttpResponse(table_csv(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = attachment_header(
        f"flagpost-{key}-{figures.filters.start}-{figures.filters.end}.csv"
    )
    return response


@login_required
@require_GET
def export_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    _, figures = _figures(request)
    _audit_export(request, export="all_tables", figures=figures)
    response = HttpResponse(figures_csv_zip(figures), content_type="application/zip")
    response["Content-Disposition"] = attachment_header(
        f"flagpost-figures-{figures.filters.start}-{figures.filters.end}.zip"
    )
    return response


@login_required
@require_POST
def pack_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not may_see_governance(request.user):
        raise Http404
    form = FiguresForm(request.POST)
    pack_request(filters=form.filters(), by=request.user)
    messages.info(
        request, "Preparing the committee pack. The governance group is told when it is ready."
    )
    return redirect("governance:dashboard")


@login_required
@require_GET
def pack_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    if not may_see_governance(request.user):
        raise Http404
    pack = get_object_or_404(CommitteePack, pk=pk, status=PackStatus.READY)
    audit_record(
        kind=AuditKind.GOVERNANCE_EXPORT_DOWNLOADED,
        actor=request.user,
        request=request,
        detail={
            "export": "committee_pack",
            "pack": pack.pk,
            "from": str(pack.start),
            "to": str(pack.end),
        },
    )
    response = FileResponse(pack.file.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = attachment_header(
        f"flagpost-committee-pack-{pack.start}-{pack.end}.pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def pack_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if not may_see_governance(request.user):
        raise Http404
    pack = get_object_or_404(CommitteePack, pk=pk)
    slow = pack_slow(pack)
    return render(
        request,
        "governance/pack.html",
        {"pack": pack, "slow": slow, "may_retry": slow or pack.status == PackStatus.FAILED},
    )


@login_required
@require_POST
def pack_retry_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    # The same access as asking for a pack.
    if not may_see_governance(request.user):
        raise Http404
    pack = pack_retry(pack=get_object_or_404(CommitteePack, pk=pk))
    messages.info(request, "Preparing the committee pack again.")
    return redirect("governance:pack_detail", pack.pk)
