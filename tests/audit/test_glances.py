"""A page view's audit line doesn't wait for the disk; every other line, and a view written inside
someone's transaction, does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection, transaction
from django.urls import reverse

from audit.models import AuditEvent, AuditKind
from audit.services import audit_record
from casework.models import CaseState
from tests.factories import case_in_state

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="synchronous_commit is PostgreSQL's"
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def at_insert() -> Iterator[list[str]]:
    """``synchronous_commit`` as each audit row is inserted, in the inserting transaction."""
    seen: list[str] = []

    def wrapper(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.startswith('INSERT INTO "audit_auditevent"'):
            with context["connection"].connection.cursor() as cursor:
                cursor.execute("SHOW synchronous_commit")
                seen.append(cursor.fetchone()[0])
        return result

    with connection.execute_wrapper(wrapper):
        yield seen


def _default() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def test_a_page_view_in_its_own_transaction_does_not_wait_and_leaves_the_setting_as_it_was(
    at_insert, triage_officer
) -> None:
    default = _default()
    assert default != "off"
    audit_record(kind=AuditKind.CASE_VIEWED, actor=triage_officer)
    audit_record(kind=AuditKind.AUDIT_VIEWED, actor=triage_officer)
    assert at_insert == ["off", "off"]
    assert _default() == default
    assert AuditEvent.objects.filter(actor=triage_officer).count() == 2


def test_an_action_waits_for_the_disk(at_insert, triage_officer) -> None:
    for kind in (
        AuditKind.EVIDENCE_DOWNLOADED,
        AuditKind.SUMMARY_DOWNLOADED,
        AuditKind.REPORTER_REVEALED,
    ):
        audit_record(kind=kind, actor=triage_officer)
    assert at_insert == [_default()] * 3
    assert "off" not in at_insert


def test_a_page_view_inside_another_transaction_leaves_that_transaction_waiting(
    at_insert, triage_officer
) -> None:
    with transaction.atomic():
        audit_record(kind=AuditKind.CASE_VIEWED, actor=triage_officer)
    assert at_insert == [_default()]
    assert "off" not in at_insert


def test_the_case_page_view_is_written_without_waiting(at_insert, login, cast, hr_lead) -> None:
    case = case_in_state(CaseState.INVESTIGATION, cast)
    client = login(hr_lead)
    at_insert.clear()
    response = client.get(reverse("casework:case_detail", args=[case.reference]))
    assert response.status_code == 200
    assert at_insert == ["off"]
    assert AuditEvent.objects.filter(kind=AuditKind.CASE_VIEWED, case=case).count() == 1
