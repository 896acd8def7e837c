"""``{% case_retention case %}``: the retention and legal-hold panel on a case page."""

from __future__ import annotations

from django import template

from casework.access import may_place_legal_hold
from casework.models import Case
from records.retention import retention_until
from records.selectors import legal_hold_in_force

register = template.Library()


@register.inclusion_tag("records/_case_retention.html", takes_context=True)
def case_retention(context: template.Context, case: Case) -> dict[str, object]:
    request = context.get("request")
    user = getattr(request, "user", None)
    # Only the people who may place a hold see whether there is one (a hold hints at litigation).
    manages_holds = (
        user is not None and case.anonymised_at is None and may_place_legal_hold(user, case)
    )
    return {
        "case": case,
        "manages_holds": manages_holds,
        "hold": legal_hold_in_force(case) if manages_holds else None,
        "retention_until": retention_until(case) if manages_holds else None,
        "csrf_token": context.get("csrf_token"),
    }
