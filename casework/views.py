from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import (
    Exists,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from audit.models import AuditEvent, AuditKind
from audit.selectors import audit_describe, case_access_history
from audit.services import audit_record
from casework import access
from casework.access import (
    CONFIDENTIAL_REPORTER,
    access_history_cases,
    confidential_reporters,
    handles_cases,
    may,
    may_see_access_history,
    may_see_governance,
    may_see_related_cases,
    may_see_reporter,
    may_see_triage_queue,
    summary_variants,
    visible_cases,
    visible_cases_by_arm,
    work_kinds,
)
from casework.actions import ACTION_SPECS, action_available, allowed_actions
from casework.forms import DismissForm, FlagResponseForm, RevealForm
from casework.models import (
    FLAG_FIELDS,
    QUEUE_STATES,
    Case,
    CaseEvent,
    CaseState,
    Finding,
    Flag,
    case_due,
)
from casework.reveal import RevealNotAllowed, reporter_reveal
from casework.search import case_search_arms
from casework.services import RELATED_SHOWN, CaseActionError, related_cases_all
from deadlines.models import Deadline
from directory.models import User
from incidents.models import EvidenceFile, Platform, Report
from incidents.views import home as reporter_home
from kit.paging import Key, any_of, keys, keyset_page, page_tally, tally
from notifications.selectors import notifications_for
from policies.models import PolicyVersion, Principle
from summaries.models import SummaryVariant
from summaries.views import visible_summaries

if TYPE_CHECKING:
    from directory.http import AuthenticatedHttpRequest

PAGE_SIZE = 25
# The lists count their cases up to here, then say "more than": counting further would read them all.
COUNT_CAP = 1000
HISTORY_PAGE_SIZE = 50
# A case page shows the latest events and the first reports; the rest are a link away, so a case
# with years of notes or dozens of reports opens as quickly as any other.
TIMELINE_SHOWN = 20
TIMELINE_PAGE_SIZE = 100
REPORTS_SHOWN = 5
REPORTS_PAGE_SIZE = 20
RELATED_PAGE_SIZE = 50
WITHHELD = "Withheld (confidential reporter)"
# Shown, with a "Reveal" link, to those who may know a confidential reporter until they choose to.
# The confidential reports whose reporter this session has revealed (report ids).
REVEALED_SESSION_KEY = "casework_revealed_reports"


def _listing(cases: QuerySet[Case]) -> QuerySet[Case]:
    # Per row, as correlated subqueries: the database works them out for the page's rows only,
    # after the LIMIT, where a join with GROUP BY would count the reports of every visible case.
    reports = Report.objects.filter(case=OuterRef("pk")).order_by()
    return cases.select_related("poster", "line_manager", "investigator").annotate(
        report_count=Subquery(reports.annotate(n=Func("pk", function="COUNT")).values("n")),
        platform=Subquery(reports.order_by("submitted_at", "pk").values("platform")[:1]),
    )


@dataclass(frozen=True)
class ListOrder:
    """One way a case list can be sorted, with what its pager's links are called."""

    value: str  # its ``?sort=`` value
    label: str  # as the list's "Order" choice reads
    sort: tuple[Key, ...]
    labels: dict[str, str]


BY_CHANGE = ListOrder("changed", "Recently changed first", keys("-updated_at", "-pk"), {})
BY_ARRIVAL = ListOrder(
    "arrival",
    "Oldest first",
    keys("created_at", "pk"),
    {"first": "Oldest", "back": "Older", "forward": "Newer", "last": "Newest"},
)
BY_DUE = ListOrder(
    "due",
    "Least time left first",
    keys("due", "pk"),
    {"first": "Soonest due", "back": "Due sooner", "forward": "Due later", "last": "Latest due"},
)


def _platform_labels(cases: list[Case]) -> None:
    """Each listed case's first report's site, as the list templates show it."""
    labels = dict(Platform.choices)
    for case in cases:
        case.platform_label = labels.get(case.platform, "")  # type: ignore[attr-defined]


def _filtered(
    request: HttpRequest, cases: QuerySet[Case], *, orders: list[ListOrder]
) -> tuple[QuerySet[Case], dict[str, str], ListOrder]:
    """The list's filters from the query string, and its order: the first of ``orders`` unless
    ``?sort=`` chooses another of them."""
    filters = {
        key: request.GET.get(key, "").strip() for key in ("q", "state", "platform", "flag", "sort")
    }
    order = next((o for o in orders if o.value == filters["sort"]), orders[0])
    filters["sort"] = "" if order is orders[0] else order.value
    if order is BY_DUE:
        cases = cases.annotate(due=case_due())  # an annotation: the cursor carries it
    if filters["state"] in CaseState.values:
        cases = cases.filter(state=filters["state"])
    if filters["platform"] in Platform.values:
        cases = cases.filter(
            Exists(Report.objects.filter(case=OuterRef("pk"), platform=filters["platform"]))
        )
    if filters["flag"] in FLAG_FIELDS:
        cases = cases.filter(**{FLAG_FIELDS[filters["flag"]]: True})
    return cases, filters, order


def _render_list(
    request: AuthenticatedHttpRequest,
    cases: QuerySet[Case],
    *,
    orders: list[ListOrder],
    title: str,
    intro: str,
    states: list,
    arms: list[Q],
) -> HttpResponse:
    cases, filters, order = _filtered(request, cases, orders=orders)
    if filters["q"]:
        # The search's ways of matching lead to the page, among the list's own cases: the
        # list's ways in would read cases that don't match.
        cases = cases.filter(any_of(arms))
        arms = case_search_arms(filters["q"])
    page = keyset_page(cases, sort=order.sort, params=request.GET, size=PAGE_SIZE, arms=arms)
    _platform_labels(page.object_list)
    filtering = any(value for key, value in filters.items() if key != "sort")
    return render(
        request,
        "casework/case_list.html",
        {
            "page": page,
            "total": page_tally(page, lambda: tally(cases, cap=COUNT_CAP, arms=arms)),
            "filters": filters,
            "filtering": filtering,
            "labels": order.labels,
            "sorts": [("" if o is orders[0] else o.value, o.label) for o in orders],
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
def triage_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not may_see_triage_queue(request.user):
        raise Http404
    # The queue is the cases in its stages, read stage by stage (the arms) from (state,
    # created_at, id). Not also filtered by stage: the database would take the stage's
    # conditions for independent ones, expect a few dozen cases where there are thousands, and
    # sort them all.
    cases = _listing(visible_cases(request.user))
    return _render_list(
        request,
        cases,
        orders=[BY_DUE, BY_ARRIVAL],
        title="Triage queue",
        intro="New reports and cases in triage, the least time left first: overdue cases lead.",
        states=[
            (CaseState.NEW.value, CaseState.NEW.label),
            (CaseState.TRIAGE.value, CaseState.TRIAGE.label),
        ],
        arms=[Q(state=state) for state in QUEUE_STATES],
    )


@login_required
@require_GET
def case_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    # Read through the scope's arms, which the list applies: see visible_cases_by_arm.
    cases, arms = visible_cases_by_arm(request.user)
    return _render_list(
        request,
        _listing(cases),
        orders=[BY_CHANGE, BY_DUE],
        title="Cases",
        intro="The cases your role gives you: the ones you triage, manage, investigate, decide or hold a "
        "specialist flag on.",
        states=CaseState.choices,
        arms=arms,
    )


WORK_PAGE_SIZE = 25


def _work_waiting(user: User) -> bool:
    """Whether any case waits on someone whose role isn't case work (a line manager, say)."""
    arms = [arm for kind in work_kinds(user) for arm in kind.arms]
    return bool(arms) and visible_cases(user).filter(any_of(arms)).exists()


@login_required
@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Each person arrives at their own work: cases for those who handle them, the figures for
    the governance committee, and their reports for everyone else."""
    user = request.user
    if may_see_governance(user) and not handles_cases(user):
        return redirect("governance:dashboard")
    if handles_cases(user) or _work_waiting(user):
        return my_work(request)
    return reporter_home(request)


@login_required
@require_GET
def my_work(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The cases waiting on the user, the most urgent first: overdue, then the least time left."""
    user = request.user
    kinds = work_kinds(user)
    chosen = next((kind for kind in kinds if kind.key == request.GET.get("kind")), None)
    # Each kind is a part of what the user may open (``work_kinds``), read through its own
    # index: the cases not about them, then the kinds' arms, as the case list reads its own.
    scope, _ = visible_cases_by_arm(user)
    scope = scope.annotate(due=case_due())
    now = timezone.now()
    summary = [
        (
            kind,
            tally(scope, cap=COUNT_CAP, arms=list(kind.arms)),
            tally(scope.filter(next_due_at__lt=now), cap=COUNT_CAP, arms=list(kind.arms)),
        )
        for kind in kinds
    ]
    arms = list(chosen.arms) if chosen else [arm for kind in kinds for arm in kind.arms]
    page = keyset_page(
        _listing(scope), sort=BY_DUE.sort, params=request.GET, size=WORK_PAGE_SIZE, arms=arms
    )
    _platform_labels(page.object_list)
    return render(
        request,
        "casework/my_work.html",
        {
            "summary": [row for row in summary if row[1].number],
            "chosen": chosen,
            "page": page,
            "labels": BY_DUE.labels,
            "now": now,
        },
    )


@dataclass(frozen=True)
class PersonLabel:
    text: str
    reveal_url: str = ""


@dataclass(frozen=True)
class ReportView:
    report: Report
    reporter_label: str
    reveal_url: str = ""


@dataclass(frozen=True)
class EventView:
    event: CaseEvent
    actor_label: str
    reveal_url: str = ""


@dataclass(frozen=True)
class FileView:
    file: EvidenceFile
    added_by_label: str
    reveal_url: str = ""


@dataclass(frozen=True)
class HistoryRow:
    event: AuditEvent
    who: str
    what: str
    reveal_url: str = ""


CaseView = Callable[..., HttpResponse]


def lost_access_explained(view: CaseView) -> CaseView:
    """A case page the reader was told about but can no longer open explains why, with a way on.

    A notification sends its reader to the case; by the time they follow it the case may have
    passed to someone else (routed to the line manager, taken on by HR). Only a reader with a
    notification about that very case, who can't see it now, is told: to anyone else the answer
    stays the 404 of a case that doesn't exist, so the page tells nobody more than their own
    notification did. The answer is a 403, which the refused-access audit records as before.
    """

    @wraps(view)
    def explained(request: HttpRequest, reference: str, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, reference, *args, **kwargs)
        except Http404:
            user = request.user
            if not user.is_authenticated:
                raise
            assert isinstance(user, User)
            told = notifications_for(user).filter(case__reference=reference).exists()
            if not told or visible_cases(user).filter(reference=reference).exists():
                raise
            return render(
                request, "casework/lost_access.html", {"reference": reference}, status=403
            )

    return explained


def _case_for_page(user: User, reference: str) -> Case:
    case = get_object_or_404(
        visible_cases(user)
        # The people named on the case are read together afterwards (``_with_people``): joined
        # here, the nine tables would take the database longer to plan (8 ms) than to read.
        .select_related("poster__line_manager", "merged_into")
        .prefetch_related(
            Prefetch(
                "reports",
                queryset=Report.objects.select_related("reporter", "poster")
                .prefetch_related(
                    Prefetch("files", queryset=EvidenceFile.objects.select_related("added_by"))
                )
                .order_by("submitted_at", "pk"),
            ),
            Prefetch(
                "principles",
                queryset=Principle.objects.select_related("investigated_under", "version__policy"),
            ),
            Prefetch("policy_versions", queryset=PolicyVersion.objects.select_related("policy")),
            Prefetch("findings", queryset=Finding.objects.select_related("principle")),
            Prefetch("deadlines", queryset=Deadline.objects.order_by("due_at", "pk")),
        ),
        reference=reference,
    )
    access.opened(user, case)
    _with_people(case)
    return case


# The people the case page names besides the poster and their line manager (joined to the case).
CASE_PEOPLE = ("line_manager", "investigator", "decision_maker", "triaged_by")


def _with_people(case: Case) -> None:
    """Load the case's named people (``CASE_PEOPLE``) in one query by id."""
    ids = {getattr(case, f"{name}_id") for name in CASE_PEOPLE} - {None}
    people = User.objects.in_bulk(ids) if ids else {}
    for name in CASE_PEOPLE:
        person_id = getattr(case, f"{name}_id")
        if person_id is not None:
            setattr(case, name, people.get(person_id))


def _with_links(views: list[ReportView]) -> list[ReportView]:
    """The evidence links of just the reports a page shows (the case's prefetch leaves them out)."""
    prefetch_related_objects([view.report for view in views], "links")
    return views


def _revealed(request: HttpRequest) -> set[int]:
    return set(request.session.get(REVEALED_SESSION_KEY, []))


def _people_labels(
    request: AuthenticatedHttpRequest, case: Case, *, came_from: str = ""
) -> tuple[list[ReportView], dict[int, PersonLabel]]:
    """Each report with how its reporter is shown, and how to show each confidential reporter elsewhere.

    A confidential reporter is "withheld" from those who may not know them,
    and "confidential reporter — reveal" to those who may, until they reveal
    that report's reporter (giving a reason, which is audited).
    """
    user = request.user
    revealed = _revealed(request)
    views: list[ReportView] = []
    masks: dict[int, PersonLabel] = {}
    reports = list(case.reports.all())
    secret = confidential_reporters(case)
    for report in reports:
        name = report.reporter.get_full_name() or report.reporter.email
        concealing = secret.get(report.reporter_id)
        if concealing is None or report.reporter_id == user.pk:
            views.append(ReportView(report, name))
        elif not may_see_reporter(user, case, concealing):
            views.append(ReportView(report, WITHHELD))
            masks[report.reporter_id] = PersonLabel(WITHHELD)
        elif concealing.pk in revealed:
            views.append(ReportView(report, name))
        else:
            url = reverse("casework:reveal_reporter", args=[case.reference, concealing.reference])
            if came_from:
                url += "?" + urlencode({"from": came_from})
            views.append(ReportView(report, CONFIDENTIAL_REPORTER, url))
            masks.setdefault(report.reporter_id, PersonLabel(CONFIDENTIAL_REPORTER, url))
    return views, masks


def _label(person: User | None, masks: dict[int, PersonLabel]) -> PersonLabel:
    if person is None:
        return PersonLabel("Flagpost")
    return masks.get(person.pk) or PersonLabel(person.get_full_name() or person.email)


def _file_views(case: Case, masks: dict[int, PersonLabel]) -> list[FileView]:
    views = []
    for report in case.reports.all():
        for evidence in report.files.all():
            label = _label(evidence.added_by, masks)
            views.append(FileView(evidence, label.text, label.reveal_url))
    return views


def _event_views(events: list[CaseEvent], masks: dict[int, PersonLabel]) -> list[EventView]:
    views = []
    for event in events:
        label = _label(event.actor, masks)
        views.append(EventView(event, label.text, label.reveal_url))
    return views


def _viewed(request: AuthenticatedHttpRequest, case: Case, *, page: str) -> None:
    """Each page that shows a case is a "case viewed" line in its access history."""
    audit_record(
        kind=AuditKind.CASE_VIEWED,
        actor=request.user,
        case=case,
        detail={"page": page},
        request=request,
    )


def _timeline(case: Case) -> QuerySet[CaseEvent]:
    return CaseEvent.objects.filter(case=case).select_related("actor", "report")


@login_required
@require_GET
def case_detail(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = _case_for_page(request.user, reference)
    _viewed(request, case, page="case")
    reports, masks = _people_labels(request, case)
    files = _file_views(case, masks)
    # The latest events, read newest first through the case's timeline index, shown in order.
    latest = list(_timeline(case).order_by("-at", "-pk")[: TIMELINE_SHOWN + 1])
    show_related = may_see_related_cases(request.user, case)
    related = (
        list(related_cases_all(case=case, viewer=request.user)[: RELATED_SHOWN + 1])
        if show_related
        else None
    )
    return render(
        request,
        "casework/case_detail.html",
        {
            "case": case,
            "reports": _with_links(reports[:REPORTS_SHOWN]),
            "reports_total": len(reports),
            "files": files,
            "events": _event_views(latest[:TIMELINE_SHOWN][::-1], masks),
            "earlier_events": len(latest) > TIMELINE_SHOWN,
            "actions": allowed_actions(request.user, case),
            "related": related[:RELATED_SHOWN] if related is not None else None,
            "more_related": related is not None and len(related) > RELATED_SHOWN,
            "related_shown": RELATED_SHOWN,
            "show_related": show_related,
            "now": timezone.now(),
            "summary_variants": [
                (v, SummaryVariant(v).label) for v in summary_variants(request.user, case)
            ],
            "summaries": visible_summaries(request.user, case),
            "show_access_history": may_see_access_history(request.user, case),
        },
    )


@login_required
@require_GET
def case_timeline(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """A case's whole timeline, oldest first, a page at a time."""
    case = get_object_or_404(
        visible_cases(request.user).prefetch_related("reports__reporter"), reference=reference
    )
    _viewed(request, case, page="timeline")
    _, masks = _people_labels(request, case)
    page = keyset_page(
        _timeline(case), sort=keys("at", "pk"), params=request.GET, size=TIMELINE_PAGE_SIZE
    )
    return render(
        request,
        "casework/case_timeline.html",
        {
            "case": case,
            "page": page,
            "events": _event_views(page.object_list, masks),
            "total": page_tally(page, lambda: tally(_timeline(case))),
        },
    )


@login_required
@require_GET
def case_reports(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """Every report of a case, in the order they came in, a page at a time."""
    case = _case_for_page(request.user, reference)
    _viewed(request, case, page="reports")
    reports, _ = _people_labels(request, case, came_from="reports")
    start = _int_param(request, "from")
    shown = _with_links(reports[start : start + REPORTS_PAGE_SIZE])
    return render(
        request,
        "casework/case_reports.html",
        {
            "case": case,
            "reports": shown,
            "first": start + 1,
            "last": start + len(shown),
            "total": len(reports),
            "earlier": max(start - REPORTS_PAGE_SIZE, 0) if start else None,
            "later": start + REPORTS_PAGE_SIZE
            if start + REPORTS_PAGE_SIZE < len(reports)
            else None,
        },
    )


def _int_param(request: HttpRequest, name: str) -> int:
    try:
        return max(int(request.GET.get(name, "0")), 0)
    except ValueError:
        return 0


@login_required
@require_GET
def case_related(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """Every other case about the people this case is about, newest first (HR lead and investigator)."""
    case = get_object_or_404(
        visible_cases(request.user).prefetch_related("reports"), reference=reference
    )
    if not may_see_related_cases(request.user, case):
        raise Http404
    _viewed(request, case, page="related")
    related = related_cases_all(case=case, viewer=request.user)
    page = keyset_page(
        related, sort=keys("-created_at", "-pk"), params=request.GET, size=RELATED_PAGE_SIZE
    )
    return render(
        request,
        "casework/case_related.html",
        {"case": case, "page": page, "total": page_tally(page, lambda: tally(related))},
    )


@login_required
@require_GET
def investigation_workspace(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = _case_for_page(request.user, reference)
    if (
        case.state not in (CaseState.INVESTIGATION, CaseState.DECISION, CaseState.CLOSED)
        and not case.investigator_id
    ):
        messages.info(request, "This case has no investigation yet.")
        return redirect("casework:case_detail", reference=case.reference)
    _viewed(request, case, page="investigation")
    reports, masks = _people_labels(request, case, came_from="investigation")
    files = _file_views(case, masks)
    findings = {finding.principle_id: finding for finding in case.findings.all()}
    return render(
        request,
        "casework/investigation.html",
        {
            "case": case,
            "reports": _with_links(reports),
            "files": files,
            "actions": allowed_actions(request.user, case),
            "allegations": [
                (principle, findings.get(principle.pk)) for principle in case.principles.all()
            ],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_action(request: AuthenticatedHttpRequest, reference: str, action: str) -> HttpResponse:
    case = _case_for_page(request.user, reference)
    spec = ACTION_SPECS.get(action)
    if spec is None:
        raise Http404
    form_kwargs: dict[str, object] = {}
    if spec.form_class is DismissForm:
        form_kwargs["visible"] = visible_cases(request.user)
    if spec.form_class is FlagResponseForm:
        form_kwargs["user"] = request.user
    if not action_available(request.user, case, action):
        return _refused(request, case, action, spec.label)
    status = 200
    if request.method == "POST":
        form = spec.form_class(request.POST, case=case, **form_kwargs)
        if form.is_valid():
            try:
                spec.service(case=case, by=request.user, **form.arguments())
            except CaseActionError as error:
                status = error.status if error.status != 404 else 409
                form.add_error(None, str(error))
            else:
                messages.success(request, spec.done)
                return redirect("casework:case_detail", reference=case.reference)
        else:
            status = 400
    else:
        form = spec.form_class(case=case, **form_kwargs)
    return render(
        request,
        "casework/case_action.html",
        {"case": case, "spec": spec, "form": form},
        status=status,
    )


def _refused(
    request: AuthenticatedHttpRequest, case: Case, action: str, label: str
) -> HttpResponse:
    """403 when the role can't do it at all, 409 when the case isn't at a stage where it can."""
    if not may(request.user, action, case):
        message = "Your role doesn't allow this action on this case."
        status = 403
    else:
        message = f"“{label}” can't be done while the case is {case.state_phrase}."
        status = 409
    return render(
        request, "casework/refused.html", {"case": case, "message": message}, status=status
    )


# Where "Reveal" sends people back to (a fixed list, so the parameter can't send them off the site).
_REVEAL_RETURNS = {
    "investigation": "casework:investigation",
    "history": "casework:access_history",
    "reports": "casework:case_reports",
}


@login_required
@require_http_methods(["GET", "POST"])
def reveal_reporter(
    request: AuthenticatedHttpRequest, reference: str, report_reference: str
) -> HttpResponse:
    """Show a confidential reporter's name to someone allowed to know it, once they give a reason."""
    case = get_object_or_404(visible_cases(request.user), reference=reference)
    report = get_object_or_404(case.reports.select_related("case"), reference=report_reference)
    if not report.confidential or not may_see_reporter(request.user, case, report):
        raise Http404
    back = reverse(
        _REVEAL_RETURNS.get(request.GET.get("from", ""), "casework:case_detail"),
        args=[case.reference],
    )
    form = RevealForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                reporter_reveal(
                    by=request.user,
                    report=report,
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except RevealNotAllowed:
                raise Http404 from None
            request.session[REVEALED_SESSION_KEY] = sorted(_revealed(request) | {report.pk})
            messages.success(
                request,
                f"The reporter of {report.reference} is shown to you until you sign out. "
                "Your reason has been recorded.",
            )
            return redirect(back)
        status = 400
    return render(
        request,
        "casework/reveal.html",
        {"case": case, "report": report, "form": form, "back": back},
        status=status,
    )


@login_required
@require_GET
def access_history(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """Who looked at what on a case, and when, newest first: for the HR lead and the IG lead."""
    case = get_object_or_404(
        access_history_cases(request.user).prefetch_related("reports__reporter"),
        reference=reference,
    )
    audit_record(
        kind=AuditKind.AUDIT_VIEWED,
        actor=request.user,
        case=case,
        detail={"page": "access_history"},
        request=request,
    )
    _, masks = _people_labels(request, case, came_from="history")
    page = keyset_page(
        case_access_history(case), sort=keys("-seq"), params=request.GET, size=HISTORY_PAGE_SIZE
    )
    rows = []
    for event in page.object_list:
        label = _label(event.actor, masks)
        rows.append(HistoryRow(event, label.text, audit_describe(event), label.reveal_url))
    return render(
        request,
        "casework/access_history.html",
        {
            "case": case,
            "page": page,
            "rows": rows,
            "case_visible": visible_cases(request.user).filter(pk=case.pk).exists(),
        },
    )
