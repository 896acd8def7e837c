"""A notification about a case its reader can no longer open leads to an explanation, not a bare 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent, AuditKind
from casework.models import Case, CaseState
from notifications.models import Notification, NotificationKind
from notifications.services import notification_create
from tests.factories import UserFactory, case_in_state

pytestmark = pytest.mark.django_db

MOVED_ON = "has moved on since you were told about it, and you no longer have access to it"


@pytest.fixture
def moved_on(cast):
    """A case routed to a line manager, who was told, and which then went to another manager."""
    case = case_in_state(CaseState.MANAGER_REVIEW, cast)
    notification_create(
        recipient=cast.line_manager,
        kind=NotificationKind.CASE_ROUTED,
        context={"case": case},
        link=reverse("casework:case_detail", args=[case.reference]),
        case=case,
    )
    Case.objects.filter(pk=case.pk).update(line_manager=UserFactory())
    return case


def _refusals(case: Case) -> list[dict]:
    return list(
        AuditEvent.objects.filter(kind=AuditKind.ACCESS_REFUSED, case=case).values_list(
            "detail", flat=True
        )
    )


def test_following_the_notification_explains_and_links_home(login, cast, moved_on) -> None:
    client = login(cast.line_manager)
    notification = Notification.objects.get(recipient=cast.line_manager)

    response = client.post(reverse("notifications:open", args=[notification.pk]), follow=True)

    assert response.status_code == 403
    page = response.content.decode()
    assert f"Case {moved_on.reference} {MOVED_ON}" in page
    assert f'href="{reverse("home")}"' in page
    assert "Page not found" not in page
    # Still recorded as a refused access to that case.
    [refusal] = _refusals(moved_on)
    assert refusal["status"] == 403
    assert refusal["page"] == "casework:case_detail"


def test_every_page_of_the_case_explains(login, cast, moved_on) -> None:
    client = login(cast.line_manager)
    for name, extra in [
        ("casework:case_timeline", []),
        ("casework:case_reports", []),
        ("casework:case_action", ["resolve_informally"]),
    ]:
        response = client.get(reverse(name, args=[moved_on.reference, *extra]))
        assert response.status_code == 403
        assert MOVED_ON in response.content.decode()


def test_someone_never_told_of_the_case_gets_the_plain_404(login, outsider, moved_on) -> None:
    response = login(outsider).get(reverse("casework:case_detail", args=[moved_on.reference]))
    missing = login(outsider).get(reverse("casework:case_detail", args=["SMP-2026-99999"]))
    assert response.status_code == missing.status_code == 404
    assert MOVED_ON not in response.content.decode()

    def main(page: str, reference: str) -> str:
        return page.split("<main", 1)[1].split("</main>", 1)[0].replace(reference, "X")

    assert main(response.content.decode(), moved_on.reference) == main(
        missing.content.decode(), "SMP-2026-99999"
    )
    assert _refusals(moved_on)[0]["status"] == 404  # audited as before


def test_the_told_reader_of_another_reference_gets_the_plain_404(login, cast, moved_on) -> None:
    response = login(cast.line_manager).get(
        reverse("casework:case_detail", args=["SMP-2026-99999"])
    )
    assert response.status_code == 404
    assert MOVED_ON not in response.content.decode()


def test_a_reader_who_can_still_see_the_case_sees_it(login, cast, moved_on) -> None:
    response = login(cast.triage_officer).get(
        reverse("casework:case_detail", args=[moved_on.reference])
    )
    assert response.status_code == 200
