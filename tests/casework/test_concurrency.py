"""Two people acting on the same case at the same moment: one wins, the other is told it changed.

The services lock the case row (``select_for_update``) and compare the
revision the user's form was drawn from; whoever gets the lock second finds
the revision moved on and saves nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection
from django.urls import reverse

from casework import services
from casework.models import Case, CaseEvent, CaseState, DismissalReason, EventKind
from casework.services import CaseChanged
from directory.models import User
from tests.factories import case_in_state
from tests.helpers import action_form_data, case_refresh, snapshot

CHANGED = "changed while you were looking at it"

ACTIONS: dict[str, Callable[..., Case]] = {
    "route": lambda **kw: services.case_route_to_manager(note="Over to the manager.", **kw),
    "dismiss": lambda **kw: services.case_dismiss(
        reason=DismissalReason.NO_BREACH, note="No breach.", **kw
    ),
    "escalate": lambda **kw: services.case_escalate(note="Patient confidentiality.", **kw),
}


@pytest.mark.postgresql
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite serialises writers on the whole file, so there is no row-lock race to test "
    "(CI runs this on PostgreSQL and deselects it with -m 'not postgresql' on SQLite)",
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("first", "second"), [("route", "dismiss"), ("route", "route"), ("dismiss", "escalate")]
)
def test_two_people_acting_at_once_one_wins_and_the_other_is_told(
    cast, other_triage_officer, hr_lead, first: str, second: str
) -> None:
    case = case_in_state(CaseState.TRIAGE, cast)
    seen = case.revision
    actors: dict[str, User] = {
        "route": cast.triage_officer,
        "dismiss": other_triage_officer,
        "escalate": hr_lead,
    }
    people = [actors[first], other_triage_officer if first == second else actors[second]]
    start = threading.Barrier(2, timeout=30)
    outcomes: list[object] = [None, None]

    def act(index: int, action: str, by: User) -> None:
        try:
            mine = Case.objects.get(pk=case.pk)  # each loads the case as it is now: revision N
            assert mine.revision == seen
            start.wait()
            outcomes[index] = ACTIONS[action](case=mine, by=by, seen_revision=seen)
        except Exception as error:  # noqa: BLE001 - handed back to the test to assert on
            outcomes[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=(index, action, by))
        for index, (action, by) in enumerate(zip([first, second], people, strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    won = [outcome for outcome in outcomes if isinstance(outcome, Case)]
    lost = [outcome for outcome in outcomes if not isinstance(outcome, Case)]
    assert len(won) == 1, outcomes
    assert len(lost) == 1 and isinstance(lost[0], CaseChanged), outcomes
    assert CHANGED in str(lost[0])
    fresh = case_refresh(case)
    assert fresh.revision == seen + 1
    assert fresh.state == won[0].state
    assert CaseEvent.objects.filter(case=case, kind=EventKind.TRANSITION).count() == 1


@pytest.mark.django_db
def test_a_form_drawn_before_someone_else_acted_is_refused_with_409(login, cast, hr_lead) -> None:
    case = case_in_state(CaseState.TRIAGE, cast)
    client = login(cast.triage_officer)
    url = reverse("casework:case_action", args=[case.reference, "route_to_manager"])
    form = client.get(url)
    assert form.context["form"]["seen_revision"].value() == case.revision
    data = action_form_data("route_to_manager", case, cast)

    # Meanwhile the HR lead sends it straight to investigation.
    services.case_escalate(
        case=case, by=hr_lead, note="Patient confidentiality.", seen_revision=case.revision
    )
    before = snapshot(case)

    response = client.post(url, data)

    # The view sees the case is no longer in triage before the service even looks at the revision.
    assert response.status_code == 409
    assert snapshot(case) == before


@pytest.mark.django_db
def test_a_stale_form_is_told_the_case_changed_while_you_were_looking(login, cast, hr_lead) -> None:
    case = case_in_state(CaseState.TRIAGE, cast)
    client = login(cast.triage_officer)
    url = reverse("casework:case_action", args=[case.reference, "route_to_manager"])
    data = action_form_data("route_to_manager", case, cast)  # drawn at revision N

    # Meanwhile someone else adds a note: the state is the same, the revision has moved on.
    services.case_note_add(case=case, by=hr_lead, note="Spoke to the reporter.")
    before = snapshot(case)

    response = client.post(url, data)

    assert response.status_code == 409
    assert CHANGED in response.content.decode()
    assert snapshot(case) == before


@pytest.mark.django_db
def test_the_loser_is_told_it_changed_even_when_the_change_took_the_case_out_of_their_view(
    cast, other_triage_officer
) -> None:
    # Both triage officers had the case open at revision N; one routes it to the manager,
    # which takes it out of the other's view (they didn't triage it).
    case = case_in_state(CaseState.TRIAGE, cast)
    seen = case.revision
    services.case_route_to_manager(
        case=case, by=cast.triage_officer, note="Routed.", seen_revision=seen
    )
    before = snapshot(case)

    with pytest.raises(CaseChanged, match=CHANGED):
        services.case_dismiss(
            case=case,
            by=other_triage_officer,
            reason=DismissalReason.NO_BREACH,
            note="No breach.",
            seen_revision=seen,
        )
    # Without a revision seen, a case out of view is simply not there.
    with pytest.raises(services.CaseNotFound):
        services.case_dismiss(
            case=case, by=other_triage_officer, reason=DismissalReason.NO_BREACH, note="No breach."
        )
    assert snapshot(case) == before
