"""A summary taking longer than usual says so and can be started again, over HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import CaseState
from directory.models import Role
from summaries.models import CaseSummary, SummaryStatus
from tests.factories import CaseFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(poster, poster_manager, investigator):
    decider = UserFactory(roles=[Role.HR_LEAD])
    return CaseFactory(
        state=CaseState.DECISION,
        poster=poster,
        line_manager=poster_manager,
        investigator=investigator,
        decision_maker=decider,
    )


def _stuck(case, by, **fields) -> CaseSummary:
    """A summary whose message was lost two minutes ago (the broker was down)."""
    summary = CaseSummary.objects.create(
        case=case, variant="full", case_revision=case.revision, requested_by=by, **fields
    )
    CaseSummary.objects.filter(pk=summary.pk).update(
        requested_at=timezone.now() - dt.timedelta(minutes=2)
    )
    return summary


def test_a_stuck_summary_says_it_is_taking_longer_and_starts_again_on_retry(
    login, hr_lead, case, django_capture_on_commit_callbacks
) -> None:
    client = login(hr_lead)
    summary = _stuck(case, hr_lead)
    page = client.get(reverse("summaries:detail", args=[case.reference, summary.pk]))
    assert page.status_code == 200
    assert "taking longer than usual" in page.content.decode()
    assert reverse("summaries:retry", args=[case.reference, summary.pk]) in page.content.decode()
    status = client.get(reverse("summaries:status", args=[case.reference, summary.pk])).json()
    assert status["slow"] is True

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("summaries:retry", args=[case.reference, summary.pk]))
    assert response.status_code == 302 and len(callbacks) == 1
    summary.refresh_from_db()
    assert summary.status == SummaryStatus.READY and summary.file
    page = client.get(reverse("summaries:detail", args=[case.reference, summary.pk]))
    assert "taking longer" not in page.content.decode() and "Download PDF" in page.content.decode()


def test_a_fresh_summary_is_not_called_slow_and_offers_no_retry(login, hr_lead, case) -> None:
    summary = CaseSummary.objects.create(
        case=case, variant="full", case_revision=case.revision, requested_by=hr_lead
    )
    page = login(hr_lead).get(reverse("summaries:detail", args=[case.reference, summary.pk]))
    assert "taking longer" not in page.content.decode()
    assert (
        reverse("summaries:retry", args=[case.reference, summary.pk]) not in page.content.decode()
    )


def test_asking_again_for_a_stuck_summary_starts_it_again(
    login, hr_lead, case, django_capture_on_commit_callbacks
) -> None:
    summary = _stuck(case, hr_lead)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = login(hr_lead).post(
            reverse("summaries:create", args=[case.reference]), {"variant": "full"}
        )
    assert response.status_code == 302 and len(callbacks) == 1
    summary.refresh_from_db()
    assert summary.status == SummaryStatus.READY


def test_asking_again_for_a_render_whose_worker_died_starts_it_again(
    login, hr_lead, case, django_capture_on_commit_callbacks
) -> None:
    summary = _stuck(
        case,
        hr_lead,
        status=SummaryStatus.RENDERING,
        started_at=timezone.now() - dt.timedelta(minutes=7),
    )
    with django_capture_on_commit_callbacks(execute=True):
        login(hr_lead).post(reverse("summaries:retry", args=[case.reference, summary.pk]))
    summary.refresh_from_db()
    assert summary.status == SummaryStatus.READY


def test_outsider_gets_404_on_retry(login, outsider, hr_lead, poster_manager, case) -> None:
    summary = _stuck(case, hr_lead)
    for user in (outsider, poster_manager):  # the line manager may not have the full summary
        client = login(user)
        for name, method in (("retry", client.post), ("detail", client.get)):
            url = reverse(f"summaries:{name}", args=[case.reference, summary.pk])
            assert method(url).status_code == 404
    summary.refresh_from_db()
    assert summary.status == SummaryStatus.QUEUED


def test_retry_needs_the_csrf_token(hr_lead, case) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(hr_lead)
    summary = _stuck(case, hr_lead)
    assert (
        client.post(reverse("summaries:retry", args=[case.reference, summary.pk])).status_code
        == 403
    )


def test_a_summary_started_again_is_not_called_slow_until_it_is_slow_again(
    login, hr_lead, case
) -> None:
    summary = _stuck(case, hr_lead, status=SummaryStatus.FAILED, error="boom")
    client = login(hr_lead)
    # Its message goes after commit, which this test's transaction never reaches: it stays queued.
    client.post(reverse("summaries:retry", args=[case.reference, summary.pk]))
    summary.refresh_from_db()
    assert summary.status == SummaryStatus.QUEUED
    page = client.get(reverse("summaries:detail", args=[case.reference, summary.pk]))
    assert "taking longer" not in page.content.decode()


@pytest.mark.parametrize("status", [SummaryStatus.QUEUED, SummaryStatus.FAILED])
def test_the_case_page_links_a_summary_not_ready_to_its_own_page(
    login, hr_lead, case, status
) -> None:
    summary = CaseSummary.objects.create(
        case=case, variant="full", case_revision=case.revision, requested_by=hr_lead, status=status
    )
    page = login(hr_lead).get(reverse("casework:case_detail", args=[case.reference]))
    assert page.status_code == 200
    detail = reverse("summaries:detail", args=[case.reference, summary.pk])
    assert f'href="{detail}"' in page.content.decode()
