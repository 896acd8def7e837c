"""The site's addresses plus two that only tests need: a page that fails, and a page allowed to be cached."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.middleware import cacheable
from config.urls import urlpatterns as site_urlpatterns


def failing_page(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a fault in a page, for the 500 page")


@cacheable
def cacheable_page(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("Nothing personal here.")
    response["Cache-Control"] = "public, max-age=600"
    return response


urlpatterns = [
    path("test-only/fails/", failing_page),
    path("test-only/cacheable/", cacheable_page),
    *site_urlpatterns,
]
