from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from directory.http import AuthenticatedHttpRequest
from directory.people import people_search, person_detail, person_label, person_scope
from directory.sessions import session_ends_at


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


@require_GET
def session_state(request: HttpRequest) -> JsonResponse:
    """Who is signed in here, and when the sign-in ends if nothing more is done.

    For a page's "you will soon be signed out" warning and for monitoring a signed-in path:
    it reads the session and the user and nothing else. Asking counts as activity, as any
    request does, so it is also what a "stay signed in" button calls.
    """
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False}, status=401)
    ends = session_ends_at(request.session)
    return JsonResponse(
        {
            "signed_in": True,
            "email": request.user.email,
            "ends_at": ends.isoformat() if ends else None,
        }
    )
