from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
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
def session_state(request: HttpRequest) -> HttpResponse:
    """Who is signed in here, and when the sign-in ends if nothing more is done.

    A browser opening the address gets the "Your sign-in" page; a script asking for JSON (the
    "you will soon be signed out" warning, monitoring of a signed-in path) gets the same facts
    as JSON. It reads the session and the user, and the page adds only the site's header.
    Asking counts as activity, as any request does, so it is also what "stay signed in" calls.
    """
    wants_page = request.get_preferred_type(["application/json", "text/html"]) == "text/html"
    if not request.user.is_authenticated:
        if wants_page:
            return redirect_to_login(request.get_full_path())
        return JsonResponse({"signed_in": False}, status=401)
    ends = session_ends_at(request.session)
    if wants_page:
        return render(request, "registration/session.html", {"ends_at": ends})
    return JsonResponse(
        {
            "signed_in": True,
            "email": request.user.email,
            "ends_at": ends.isoformat() if ends else None,
        }
    )
