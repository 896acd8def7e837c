from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from policies.services import register_load


@pytest.fixture
def policy_register(db) -> None:
    register_load()


@pytest.fixture
def report_data():
    """A complete, valid report form submission; tests change what they test."""

    def build(**changes: object) -> dict[str, object]:
        data: dict[str, object] = {
            "submission_token": str(uuid.uuid4()),
            "links": "https://www.facebook.com/some.one/posts/123?fbclid=abc",
            "platform": "",
            "seen_at": timezone.localtime(timezone.now() - dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
            "posted_at": "",
            "description": "A photo from the ward with a patient's face visible.",
            "poster_kind": "unknown",
            "poster": "",
            "poster_handle": "",
            "shows_patient": "yes",
            "welfare_risk": "no",
        }
        data.update(changes)
        return {key: value for key, value in data.items() if value is not None}

    return build
