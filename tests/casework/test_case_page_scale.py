"""The case page at scale: related cases, long timelines and many reports stay a link away."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import Case, CaseEvent, CaseState, EventKind, HandleLink
from casework.services import RELATED_SHOWN, related_cases, related_cases_all
from casework.views import REPORTS_PAGE_SIZE, REPORTS_SHOWN, TIMELINE_PAGE_SIZE, TIMELINE_SHOWN
from directory.models import Role
from tests.factories import CaseFactory, ReportFactory, UserFactory, case_in_state, report_make

pytestmark = pytest.mark.django_db


def _case(**fields: object) -> Case:
    case = CaseFactory(state=CaseState.TRIAGE, **fields)
    ReportFactory(case=case, reference=case.reference)
    return case


def test_related_cases_include_every_way_of_naming_the_person(cast, hr_lead) -> None:
    poster = cast.poster
    HandleLink.objects.create(handle="ward_paul", user=poster, linked_by=cast.triage_officer)
    this = _case(poster=poster)
    by_poster = _case(poster=poster)
    by_report = _case()
    ReportFactory(case=by_report, reference=f"{by_report.reference}-2", poster=poster)
    by_linked_handle = _case(poster_handle="@Ward_Paul")
    by_report_handle = _case()
    ReportFactory(
        case=by_report_handle,
        reference=f"{by_report_handle.reference}-2",
        poster_handle="@ward_paul",
    )
    # Named only by an unlinked handle that this case's report also carries.
    ReportFactory(case=this, reference=f"{this.reference}-2", poster_handle="@night_owl")
    by_shared_handle = _case(poster_handle="@Night_Owl")
    unrelated = _case(poster=UserFactory(), poster_handle="@someone_else")

    found = set(related_cases(case=this, viewer=hr_lead))
    assert found == {by_poster, by_report, by_linked_handle, by_report_handle, by_shared_handle}
    assert this not in found and unrelated not in found


def test_related_cases_leave_out_cases_about_the_viewer(cast) -> None:
    viewer = UserFactory(roles=[Role.HR_LEAD])
    this = _case(poster=cast.poster)
    about_both = _case(poster=cast.poster)
    ReportFactory(case=about_both, reference=f"{about_both.reference}-2", poster=viewer)
    HandleLink.objects.create(handle="the_viewer", user=viewer, linked_by=cast.triage_officer)
    about_viewer_by_handle = _case(poster=cast.poster, poster_handle="@the_viewer")
    other = _case(poster=cast.poster)
    assert set(related_cases(case=this, viewer=viewer)) == {other}
    assert set(related_cases(case=this, viewer=cast.decision_maker)) == {
        about_both,
        about_viewer_by_handle,
        other,
    }


def _bulk_related(count: int, poster) -> list[Case]:
    now = timezone.now()
    made = Case.objects.bulk_create(
        Case(reference=f"SMP-2024-{n:05d}", state=CaseState.CLOSED, poster=poster)
        for n in range(count)
    )
    for n, case in enumerate(made):  # distinct ages, so the order is known
        Case.objects.filter(pk=case.pk).update(created_at=now - dt.timedelta(days=n + 1))
    return made


def test_more_related_cases_than_the_page_shows_are_a_link_away(login, cast, hr_lead) -> None:
    case = case_in_state(CaseState.INVESTIGATION, cast)
    others = _bulk_related(RELATED_SHOWN + 5, cast.poster)
    page = login(hr_lead).get(reverse("casework:case_detail", args=[case.reference]))
    html = page.content.decode()
    assert len(page.context["related"]) == RELATED_SHOWN and page.context["more_related"]
    assert f"More than {RELATED_SHOWN} related cases" in html
    related_url = reverse("casework:case_related", args=[case.reference])
    assert f'href="{related_url}"' in html
    assert others[0].reference in html and others[-1].reference not in html

    client = login(hr_lead)
    response = client.get(related_url)
    seen = list(response.context["page"].object_list)
    while response.context["page"].older_query:
        response = client.get(related_url + response.context["page"].older_query)
        seen += response.context["page"].object_list
    assert seen == list(related_cases_all(case=case, viewer=hr_lead))
    assert {other.pk for other in seen} == {other.pk for other in others}
    assert f"{RELATED_SHOWN + 5} cases" in response.content.decode()


def test_a_few_related_cases_need_no_link(login, cast, hr_lead) -> None:
    case = case_in_state(CaseState.INVESTIGATION, cast)
    _bulk_related(3, cast.poster)
    page = login(hr_lead).get(reverse("casework:case_detail", args=[case.reference]))
    assert not page.context["more_related"]
    assert reverse("casework:case_related", args=[case.reference]) not in page.content.decode()


@pytest.mark.parametrize("persona", ["triage_officer", "investigator", "poster", "outsider"])
def test_the_related_page_opens_only_for_those_who_see_related_cases(
    login, cast, persona, request
) -> None:
    case = case_in_state(CaseState.INVESTIGATION, cast)
    person = request.getfixturevalue(persona)
    response = login(person).get(reverse("casework:case_related", args=[case.reference]))
    # The assigned investigator sees related cases, as on the case page; nobody else here does.
    assert response.status_code == (200 if person == cast.investigator else 404)


def test_a_long_timeline_shows_its_latest_events_and_links_to_the_rest(
    login, cast, hr_lead
) -> None:
    case = case_in_state(CaseState.INVESTIGATION, cast)
    start = timezone.now() - dt.timedelta(days=30)
    CaseEvent.objects.bulk_create(
        CaseEvent(case=case, kind=EventKind.NOTE, actor=cast.investigator, note=f"Note {n}.")
        # More than the case page shows, and more than one page of the whole timeline.
        for n in range(max(TIMELINE_SHOWN, TIMELINE_PAGE_SIZE) + 20)
    )
    for n, event in enumerate(CaseEvent.objects.filter(case=case, kind=EventKind.NOTE)):
        CaseEvent.objects.filter(pk=event.pk).update(at=start + dt.timedelta(hours=n))
    everything = list(CaseEvent.objects.filter(case=case).order_by("at", "pk"))

    page = login(hr_lead).get(reverse("casework:case_detail", args=[case.reference]))
    shown = [item.event for item in page.context["events"]]
    assert shown == everything[-TIMELINE_SHOWN:]
    timeline_url = reverse("casework:case_timeline", args=[case.reference])
    assert f'href="{timeline_url}"' in page.content.decode()

    client = login(hr_lead)
    response = client.get(timeline_url)
    seen = [item.event for item in response.context["events"]]
    while response.context["page"].older_query:
        query = response.context["page"].older_query
        assert "after" in dict(parse_qsl(query.lstrip("?")))
        response = client.get(timeline_url + query)
        seen += [item.event for item in response.context["events"]]
    assert seen == everything
    assert "Later" in login(hr_lead).get(timeline_url).content.decode()


def test_a_short_timeline_has_no_link(login, cast, hr_lead) -> None:
    case = case_in_state(CaseState.INVESTIGATION, cast)
    page = login(hr_lead).get(reverse("casework:case_detail", args=[case.reference]))
    assert not page.context["earlier_events"]
    assert reverse("casework:case_timeline", args=[case.reference]) not in page.content.decode()


def test_the_timeline_page_keeps_the_case_page_rules(login, cast, outsider, poster) -> None:
    case = case_in_state(CaseState.INVESTIGATION, cast)
    url = reverse("casework:case_timeline", args=[case.reference])
    assert login(outsider).get(url).status_code == 404
    assert login(poster).get(url).status_code == 404
    assert login(cast.investigator).get(url).status_code == 200


def test_many_reports_show_the_first_and_link_to_all(login, cast, hr_lead) -> None:
    case = case_in_state(CaseState.INVESTIGATION, cast)
    for n in range(max(REPORTS_SHOWN, REPORTS_PAGE_SIZE) + 2):
        report_make(
            case=case, reporter=UserFactory(), reference=f"{case.reference}-{n + 2}", event=False
        )
    total = case.reports.count()
    page = login(hr_lead).get(reverse("casework:case_detail", args=[case.reference]))
    assert len(page.context["reports"]) == REPORTS_SHOWN
    reports_url = reverse("casework:case_reports", args=[case.reference])
    html = page.content.decode()
    assert f"Reports ({total})" in html and f"See all {total} reports" in html

    client = login(hr_lead)
    response = client.get(reports_url)
    seen = [item.report for item in response.context["reports"]]
    assert response.context["later"] is not None
    response = client.get(reports_url, {"from": response.context["later"]})
    seen += [item.report for item in response.context["reports"]]
    assert response.context["later"] is None
    assert seen == list(case.reports.order_by("submitted_at", "pk"))
    assert login(UserFactory()).get(reports_url).status_code == 404
