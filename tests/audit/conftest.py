from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection


@pytest.fixture(autouse=True)
def audit_anchor(settings, tmp_path: Path) -> Path:
    """Each test's own signing key and checkpoint file: the database is rolled back after each
    test, and a checkpoint left by an earlier test would rightly say rows were removed."""
    settings.AUDIT_SIGNING_KEY_FILE = tmp_path / "audit-signing-key.pem"
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "audit-checkpoints.jsonl"
    return settings.AUDIT_CHECKPOINT_FILE


@pytest.fixture(autouse=True)
def audit_numbers_from_one(request: pytest.FixtureRequest) -> None:
    """On PostgreSQL, rows are numbered from where a fresh database would number them.

    A sequence isn't rolled back with a test's transaction, so without this a test's first row
    would carry the number after the last row of the test before it.
    """
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("_django_db_helper")
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval('audit_auditevent_seq_seq', "
            "COALESCE((SELECT max(seq) FROM audit_auditevent), 0) + 1, false)"
        )
