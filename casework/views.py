from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from casework.access import (
    may,
    may_see_related_cases,
    may_see_reporter,
    may_see_triage_queue,
    summary_variants,
    visible_cases,
)
from casework.actions import ACTION_SPECS, action_available, allowed_actions
from casework.forms import DismissForm, FlagResponseForm
from casework.models import FLAG_FIELDS, Case, CaseEvent, CaseState, Finding, Flag
from casework.services import CaseActionError, related_cases
from directory.models import User
from incidents.models import EvidenceFile, Platform, Report
from deadlines.models import Deadline
from summaries.models import SummaryVariant
from summaries.views import visible_summaries
from policies.models import Principle, PolicyVersion

PAGE_SIZE = 25
WITHHELD = "Withheld (confidential reporter)"


def _listing(user: User) -> QuerySet[Case]:
    first_platform = Report.objects.filter(case=OuterRef("pk")).order_by("submitted_at", "pk").values("platform")[:1]
    return (
        visible_cases(user)
        .select_related("poster", "line_manager", "investigator")
        .annotate(report_count=Count("reports", distinct=True), platform=Subquery(first_platform))
    )


def _filtered(request: HttpRequest, cases: QuerySet[Case]) -> tuple[QuerySet[Case], dict[str, str]]:
    filters = {key: request.GET.get(key, "").strip() for key in ("q", "state", "platform", "flag", "sort")}
    if filters["sort"] == "due":
        cases = cases.order_by(F("next_due_at").asc(nulls_last=True), "pk")
    else:
        filters["sort"] = ""
    if filters["q"]:
        query = filters["q"].upper()
        cases = cases.filter(
            Exists(Report.objects.filter(case=OuterRef("pk"), reference__icontains=query))
        ) | cases.filter(reference__icontains=query)
    if filters["state"] in CaseState.values:
        cases = cases.filter(state=filters["state"])
    if filters["platform"] in Platform.values:
        cases = cases.filter(Exists(Report.objects.filter(case=OuterRef("pk"), platform=filters["platform"])))
    if filters["flag"] in FLAG_FIELDS:
        cases = cases.filter(**{FLAG_FIELDS[filters["flag"]]: True})
    return cases, filters


def _render_list(request: HttpRequest, cases: QuerySet[Case], *, title: str, intro: str, states: list) -> HttpResponse:
    cases, filters = _filtered(request, cases)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = dict(Platform.choices)
    for case in page.object_list:
        case.platform_label = labels.get(case.platform, "")
    query_string = urlencode({key: value for key, value in filters.items() if value})
    return render(
        request,
        "casework/case_list.html",
        {
            "page": page,
            "filters": filters,
            "query_string": query_string,
            "title": title,
            "intro": intro,
            "states": states,
            "platforms": Platform.choices,
            "flags": Flag.choices,
            "now": timezone.now(),
        },
    )


@login_required
@require_GET
def triage_queue(request: HttpRequest) -> HttpResponse:
    if not may_see_triage_queue(request.user):
        raise Http404
    cases = _listing(request.user).filter(state__in=[CaseState.NEW, CaseState.TRIAGE]).order_by("created_at", "pk")
    return _render_list(
        request,
        cases,
        title="Triage queue",
        intro="New reports and cases in triage, oldest first.",
        states=[(CaseState.NEW.value, CaseState.NEW.label), (CaseState.TRIAGE.value, CaseState.TRIAGE.label)],
    )


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    cases = _listing(request.user).order_by("-updated_at", "-pk")
    return _render_list(
        request,
        cases,
        title="Cases",
        intro="The cases your role gives you: the ones you triage, manage, investigate, decide or hold a "
        "specialist flag on.",
        states=CaseState.choices,
    )


@dataclass(frozen=True)
class ReportView:
    report: Report
    reporter_label: str


@dataclass(frozen=True)
class EventView:
    event: CaseEvent
    actor_label: str


@dataclass(frozen=True)
class FileView:
    file: EvidenceFile
    added_by_label: str


def _case_for_page(user: User, reference: str) -> Case:
    return get_object_or_404(
        visible_cases(user)
        .select_related("poster__line_manager", "line_manager", "investigator", "decision_maker", "triaged_by",
                        "merged_into")
        .prefetch_related(
            Prefetch(
                "reports",
                queryset=Report.objects.select_related("reporter", "poster").prefetch_related(
                    "links", Prefetch("files", queryset=EvidenceFile.objects.select_related("added_by"))
                ).order_by("submitted_at", "pk"),
            ),
            Prefetch("principles", queryset=Principle.objects.select_related("investigated_under", "version__policy")),
            Prefetch("policy_versions", queryset=PolicyVersion.objects.select_related("policy")),
            Prefetch("findings", queryset=Finding.objects.select_related("principle")),
            Prefetch("events", queryset=CaseEvent.objects.select_related("actor", "report")),
            Prefetch("deadlines", queryset=Deadline.objects.order_by("due_at", "pk")),
        ),
        reference=reference,
    )


def _people_labels(user: User, case: Case) -> tuple[list[ReportView], set[int]]:
    """Each report with the reporter's name or "withheld", and the ids whose names are withheld."""
    views: list[ReportView] = []
    hidden: set[int] = set()
    for report in case.reports.all():
        if may_see_reporter(user, case, report):
            views.append(ReportView(report, report.reporter.get_full_name() or report.reporter.email))
        else:
            views.append(ReportView(report, WITHHELD))
            hidden.add(report.reporter_id)
    return views, hidden


def _label(person: User | None, hidden: set[int]) -> str:
    if person is None:
        return "Flagpost"
    if person.pk in hidden:
        return WITHHELD
    return person.get_full_name() or person.email


@login_required
@require_GET
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case_for_page(request.user, reference)
    reports, hidden = _people_labels(request.user, case)
    files = [FileView(f, _label(f.added_by, hidden)) for r in case.reports.all() for f in r.files.all()]
    events = [EventView(e, _label(e.actor, hidden)) for e in case.events.all()]
    return render(
        request,
        "casework/case_detail.html",
        {
            "case": case,
            "reports": reports,
            "files": files,
            "events": events,
            "actions": allowed_actions(request.user, case),
            "related": related_cases(case=case) if may_see_related_cases(request.user, case) else None,
            "show_related": may_see_related_cases(request.user, case),
            "now": timezone.now(),
            "summary_variants": [(v, SummaryVariant(v).label) for v in summary_variants(request.user, case)],
            "summaries": visible_summaries(request.user, case),
        },
    )


@login_required
@require_GET
def investigation_workspace(request: HttpRequest, reference: str) -> HttpResponse:
    case = _case_for_page(request.user, reference)
    if case.state not in (CaseState.INVESTIGATION, CaseState.DECISION, CaseState.CLOSED) and not case.investigator_id:
        messages.info(request, "This case has no investigation yet.")
        return redirect("casework:case_detail", reference=case.reference)
    reports, hidden = _people_labels(request.user, case)
    files = [FileView(f, _label(f.added_by, hidden)) for r in case.reports.all() for f in r.files.all()]
    findings = {finding.principle_id: finding for finding in case.findings.all()}
    return render(
        request,
        "casework/investigation.html",
        {
            "case": case,
            "reports": reports,
            "files": files,
            "actions": allowed_actions(request.user, case),
            "allegations": [(principle, findings.get(principle.pk)) for principle in case.principles.all()],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    case = _case_for_page(request.user, reference)
    spec = ACTION_SPECS.get(action)
    if spec is None:
        raise Http404
    form_kwargs: dict[str, object] = {"case": case}
    if spec.form_class is DismissForm:
        form_kwargs["visible"] = visible_cases(request.user)
    if spec.form_class is FlagResponseForm:
        form_kwargs["user"] = request.user
    if not action_available(request.user, case, action):
        return _refused(request, case, action, spec.label)
    status = 200
    if request.method == "POST":
        form = spec.form_class(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                spec.service(case=case, by=request.user, **form.arguments())
            except CaseActionError as error:
                status = error.status if error.status != 404 else 409
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Done: {spec.label.lower()}.")
                return redirect("casework:case_detail", reference=case.reference)
        else:
            status = 400
    else:
        form = spec.form_class(**form_kwargs)
    return render(request, "casework/case_action.html", {"case": case, "spec": spec, "form": form}, status=status)


def _refused(request: HttpRequest, case: Case, action: str, label: str) -> HttpResponse:
    """403 when the role can't do it at all, 409 when the case isn't at a stage where it can."""
    if not may(request.user, action, case):
        message = "Your role doesn't allow this action on this case."
        status = 403
    else:
        message = f"“{label}” can't be done while the case is {case.get_state_display().lower()}."
        status = 409
    return render(request, "casework/refused.html", {"case": case, "message": message}, status=status)
