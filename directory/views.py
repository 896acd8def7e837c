from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.views.decorators.http import require_GET

from directory.http import AuthenticatedHttpRequest
from directory.people import people_search, person_detail, person_label, person_scope


@login_required
@require_GET
def people_search_json(request: AuthenticatedHttpRequest, scope: str) -> JsonResponse:
    """The person picker's matches for ``q``: at most ten of the people the field may take."""
    found_scope = person_scope(scope)
    if found_scope is None or not found_scope.may_search(request.user):
        raise Http404
    found = people_search(found_scope.people(), request.GET.get("q", ""))
    return JsonResponse(
        {
            "results": [
                {
                    "id": person.pk,
                    "name": person_label(person),
                    "detail": person_detail(person),
                    "email": person.email,
                }
                for person in found.people
            ],
            "more": found.more,
        }
    )
