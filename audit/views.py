from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from audit.forms import AuditLogForm
from audit.models import AuditCheck, AuditEvent, AuditKind
from audit.selectors import (
    LOG_SORT,
    SIGN_IN_KINDS,
    audit_describe,
    audit_log_arms,
    confidential_reporter_pairs,
)
from audit.services import audit_check_run, audit_record
from casework.access import may_see_audit_log
from directory.models import Role
from kit.paging import keys, keyset_page, tally

if TYPE_CHECKING:
    from directory.http import AuthenticatedHttpRequest

PAGE_SIZE = 50
COUNT_CAP = 1000
WITHHELD = "Withheld (confidential reporter)"
_SIGN_IN_KINDS = frozenset(SIGN_IN_KINDS)


@dataclass(frozen=True)
class LogRow:
    event: AuditEvent
    who: str
    what: str


def _who(event: AuditEvent, confidential: set[tuple[int, int]]) -> str:
    if event.actor is None:
        return "Someone not signed in" if event.kind in _SIGN_IN_KINDS else "Flagpost"
    if (event.case_id, event.actor_id) in confidential:
        return WITHHELD
    return event.actor.get_full_name() or event.actor.email


@login_required
@require_GET
def log(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not may_see_audit_log(request.user):
        raise Http404
    audit_record(
        kind=AuditKind.AUDIT_VIEWED,
        actor=request.user,
        detail={"page": "audit_log"},
        request=request,
    )
    form = AuditLogForm(request.GET or None)
    filters = form.filters()
    events, arms = audit_log_arms(filters, viewer=request.user)
    sort = keys(*LOG_SORT)
    page = keyset_page(events, sort=sort, params=request.GET, size=PAGE_SIZE, arms=arms)
    shown = list(page.object_list)
    confidential = confidential_reporter_pairs(shown)
    rows = [LogRow(event, _who(event, confidential), audit_describe(event)) for event in shown]
    return render(
        request,
        "audit/log.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "total": (
                tally(events, cap=COUNT_CAP, arms=arms, sort=sort) if page.has_other_pages else None
            ),
            "last_check": AuditCheck.objects.select_related("by").first(),
            "person_unknown": bool(filters.person_email) and filters.person is None,
            "history_links": request.user.has_role(Role.HR_LEAD)
            or request.user.has_role(Role.IG_LEAD),
        },
    )


@login_required
@require_POST
def verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not may_see_audit_log(request.user):
        raise Http404
    check = audit_check_run(by=request.user)
    if check.ok:
        messages.success(
            request, f"The audit trail is intact: {check.rows_verified} rows verified."
        )
    else:
        messages.error(request, f"The audit trail is broken. {check.message}")
    return redirect("audit:log")
