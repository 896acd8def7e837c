from __future__ import annotations

from django.http import HttpRequest


def organisation(request: HttpRequest) -> dict[str, object]:
    """The organisation's name, which the NHS.UK header shows beside the NHS logo."""
    from policies.register import TRUST

    return {"organisation_name": TRUST}
