from __future__ import annotations

import pytest

from casework.models import CaseEvent, EventKind
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_a_timeline_event_cannot_be_rewritten() -> None:
    event = CaseEvent.objects.create(case=CaseFactory(), kind=EventKind.NOTE, note="first")
    event.note = "changed"
    with pytest.raises(ValueError, match="immutable"):
        event.save()
    event.refresh_from_db()
    assert event.note == "first"
