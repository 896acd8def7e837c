"""Admin lists of the tables that grow to millions never count or scan the whole table."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kit.admin import CappedPaginator, LargeTableAdminMixin
from tests.factories import ReportFactory, UserFactory

pytestmark = pytest.mark.django_db

BIG_TABLES = {
    "casework.case",
    "incidents.report",
    "incidents.evidencefile",
    "audit.auditevent",
    "deadlines.deadline",
    "notifications.notification",
}


def test_every_admin_of_a_big_table_is_a_large_table_admin() -> None:
    found = {
        model._meta.label_lower
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, LargeTableAdminMixin)
    }
    assert found == BIG_TABLES
    for model, model_admin in admin.site._registry.items():
        if model._meta.label_lower in BIG_TABLES:
            assert model_admin.date_hierarchy is None, model
            assert model_admin.show_full_result_count is False, model


def test_past_the_cap_the_list_says_more_than_and_counts_no_further(
    client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(CappedPaginator, "cap", 3)
    for _ in range(5):
        ReportFactory()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:casework_case_changelist"))
    assert response.status_code == 200
    assert "More than 3 cases" in response.content.decode()
    counts = [
        query["sql"] for query in queries.captured_queries if "COUNT(" in query["sql"].upper()
    ]
    assert counts, "the list counts its rows"
    for sql in counts:
        assert re.search(r"LIMIT 4\b", sql), sql


def test_under_the_cap_the_list_gives_the_exact_number(client) -> None:
    for _ in range(2):
        ReportFactory()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:incidents_report_changelist"))
    assert re.search(r"\b2 reports\b", response.content.decode())
