"""Record refused access: a 403 or 404 answer to someone signed in, on a case-related address.

The access rules answer 404 for a case a person may not see, exactly as for
one that does not exist, so both are recorded: the access history then shows
who tried a door they had no key to.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import ResolverMatch

from audit.models import AuditKind
from audit.services import audit_record
from casework.models import Case
from incidents.models import EvidenceFile, Report

AUDITED_NAMESPACES = frozenset({"casework", "incidents", "summaries", "governance", "audit"})
# For addresses that match no page at all, which have no namespace to go by.
AUDITED_PREFIXES = ("/cases/", "/reports/", "/governance/", "/audit/")
REFUSED = frozenset({403, 404})


def _audited(request: HttpRequest) -> bool:
    match: ResolverMatch | None = getattr(request, "resolver_match", None)
    if match is not None:
        return bool(AUDITED_NAMESPACES.intersection(match.namespaces))
    return request.path.startswith(AUDITED_PREFIXES)


def _case_for(match: ResolverMatch | None) -> Case | None:
    """The case the address was about, if it names one that exists (whoever may see it)."""
    if match is None:
        return None
    reference = match.kwargs.get("reference")
    if isinstance(reference, str):
        case = Case.objects.filter(reference=reference).first()
        if case is None:
            case_id = (
                Report.objects.filter(reference=reference).values_list("case_id", flat=True).first()
            )
            case = Case.objects.filter(pk=case_id).first() if case_id else None
        return case
    if match.url_name == "evidence_download" and isinstance(match.kwargs.get("pk"), int):
        case_id = (
            EvidenceFile.objects.filter(pk=match.kwargs["pk"])
            .values_list("report__case_id", flat=True)
            .first()
        )
        return Case.objects.filter(pk=case_id).first() if case_id else None
    return None


class RefusedAccessMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code in REFUSED:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and _audited(request):
                match = getattr(request, "resolver_match", None)
                audit_record(
                    kind=AuditKind.ACCESS_REFUSED,
                    actor=user,
                    case=_case_for(match),
                    # The path names at most a reference or an id; the query string, which can hold
                    # words someone searched for, is left out.
                    detail={
                        "status": response.status_code,
                        "method": request.method,
                        "path": request.path,
                        "page": match.view_name if match else "",
                    },
                    request=request,
                )
        return response
