"""Headers every answer carries, whatever produced it.

The security headers normally come from middleware deep in the stack
(SecurityMiddleware, django-csp, XFrameOptionsMiddleware). An answer made
before one of them ran misses its header: a request with a host Flagpost
doesn't answer to is refused with a 400 as soon as a middleware asks for the
host, and WhiteNoise answers for static files before django-csp and the
framing middleware see the request. This middleware comes first, so it sees
every answer last, and applies those same middlewares' headers to whatever
lacks them (each of them only fills a header that isn't there yet).

It also marks every answer except a static file ``Cache-Control: no-store``:
ward computers are shared, and a case page, a download or even a sign-in page
kept in the browser's cache or history can be read by the next person at the
desk. A view whose answer may be kept says so with ``@cacheable``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from csp.middleware import CSPMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from whitenoise.middleware import WhiteNoiseFileResponse

# Set on a response by @cacheable.
CACHEABLE_ATTRIBUTE = "flagpost_cacheable"

ViewFunction = Callable[..., HttpResponseBase]


def cacheable(view: ViewFunction) -> ViewFunction:
    """Let the browser keep this view's answers as its own Cache-Control says (pages with nothing personal)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        setattr(response, CACHEABLE_ATTRIBUTE, True)
        return response

    return wrapped


def _unused(
    request: HttpRequest,
) -> HttpResponse:  # pragma: no cover - the finishers never call inwards
    raise RuntimeError("only process_response is used")


class EveryResponseHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        # The very middlewares (and settings) that set these headers on a normal answer, so an error
        # answer gets exactly the same ones.
        self.finishers: list[SecurityMiddleware | CSPMiddleware | XFrameOptionsMiddleware] = [
            SecurityMiddleware(_unused),
            CSPMiddleware(_unused),
            XFrameOptionsMiddleware(_unused),
        ]

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        for finisher in self.finishers:
            response = finisher.process_response(request, response)  # type: ignore[arg-type]  # typed for HttpResponse; Django runs them on streaming answers too
        kept = isinstance(response, WhiteNoiseFileResponse) or getattr(
            response, CACHEABLE_ATTRIBUTE, False
        )
        # A view that already forbids storing (downloads say "private, no-store") keeps its wording.
        if not kept and "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "no-store"
        return response
