"""The person picker: forms take a typed name or email, and a search endpoint feeds the browser's list.

Over HTTP, as a browser without JavaScript would send the forms (the text box
``<field>_query``, and the id ``<field>`` only once someone has been chosen),
and as the picker's script asks the endpoint.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.urls import reverse

from casework.models import CaseState
from directory.models import Role, User
from directory.people import SEARCH_LIMIT, STAFF, people_matching, people_search
from incidents.models import Report
from policies.services import register_load
from tests.factories import UserFactory, case_in_state
from tests.helpers import action_form_data, case_refresh
from tests.samples import report_form_data

pytestmark = pytest.mark.django_db

REPORT = "incidents:report_create"


def _search(client, scope: str, q: str):
    return client.get(reverse("directory:people_search", args=[scope]), {"q": q})


def _names(response) -> list[str]:
    return [person["name"] for person in response.json()["results"]]


def _report(client, report_data, **picker: object):
    return client.post(reverse(REPORT), report_data(poster_kind="colleague", **picker))


def _refused(response) -> None:
    # The report form answers a form with errors with the form again (200), as it always has.
    assert response.status_code == 200
    assert response.context["form"].errors


@pytest.fixture
def policy_register(db) -> None:
    register_load()


@pytest.fixture
def report_data():
    return report_form_data


@pytest.fixture
def paula(db) -> User:
    return UserFactory(first_name="Paula", last_name="Postgate", job_title="Physiotherapist")


@pytest.fixture
def leaver(db) -> User:
    return UserFactory(first_name="Paulo", last_name="Gone", is_active=False)


# --- The report form, without JavaScript ------------------------------------------------


def test_report_form_lists_nobody(login, reporter, poster, outsider, policy_register) -> None:
    page = login(reporter).get(reverse(REPORT)).content.decode()
    assert 'name="poster_query"' in page
    assert 'data-search-url="/people/search/staff/"' in page
    assert "person-picker.js" in page
    for person in (poster, outsider):
        assert person.get_full_name() not in page
    assert "<select" not in page.split('id="field-poster"')[1].split('id="field-poster_handle"')[0]


def test_exact_email_names_the_colleague(
    login, reporter, poster, policy_register, report_data
) -> None:
    response = _report(login(reporter), report_data, poster_query=poster.email.upper())
    assert response.status_code == 302
    assert Report.objects.get().poster == poster


def test_a_unique_name_match_names_the_colleague(
    login, reporter, poster, paula, policy_register, report_data
) -> None:
    # "paul" starts both first names; "poster" is in one surname only.
    response = _report(login(reporter), report_data, poster_query="  paul   POSTER ")
    assert response.status_code == 302
    assert Report.objects.get().poster == poster


def test_part_of_a_surname_is_enough_when_only_one_person_has_it(
    login, reporter, poster, paula, policy_register, report_data
) -> None:
    response = _report(login(reporter), report_data, poster_query="gate")
    assert response.status_code == 302
    assert Report.objects.get().poster == paula


def test_an_ambiguous_name_lists_the_matches_and_keeps_the_rest(
    login, reporter, poster, paula, policy_register, report_data
) -> None:
    client = login(reporter)
    response = _report(
        client, report_data, poster_query="Pau", description="A ward photo, posted at night."
    )
    _refused(response)
    assert Report.objects.count() == 0
    page = response.content.decode()
    message = "More than one member of staff matches “Pau”."
    assert message in page
    # The error summary links to the field, and the field shows both people to choose from.
    assert re.search(r'<a href="#id_poster">More than one member of staff matches', page)
    assert "Which member of staff did you mean?" in page
    # The box is described by its hint and its error, for a screen reader.
    assert re.search(r'aria-describedby="id_poster_helptext id_poster_errors"', page)
    assert 'id="id_poster_errors"' in page
    for person in (poster, paula):
        assert f'type="radio" name="poster" value="{person.pk}"' in page
    # What was typed stays: the text in the box and every other answer.
    assert 'name="poster_query" value="Pau"' in page
    assert "A ward photo, posted at night." in page
    assert re.search(r'name="poster_kind" value="colleague"[^>]* checked', page)

    chosen = _report(client, report_data, poster_query="Pau", poster=str(paula.pk))
    assert chosen.status_code == 302
    assert Report.objects.get().poster == paula


def test_a_name_nobody_has_is_refused_clearly(
    login, reporter, poster, policy_register, report_data
) -> None:
    response = _report(login(reporter), report_data, poster_query="Zebedee")
    _refused(response)
    assert response.context["form"].errors["poster"] == [
        "No member of staff matches “Zebedee”. Check the spelling, or type their work email."
    ]
    assert 'name="poster_query" value="Zebedee"' in response.content.decode()
    assert Report.objects.count() == 0


def test_one_letter_asks_for_more(login, reporter, poster, policy_register, report_data) -> None:
    response = _report(login(reporter), report_data, poster_query="p")
    _refused(response)
    assert "Type at least 2 letters" in response.context["form"].errors["poster"][0]


def test_a_person_chosen_then_typed_over_is_not_kept(
    login, reporter, poster, outsider, policy_register, report_data
) -> None:
    # The id of the person picked earlier is still in the page, but the box now names someone else.
    response = _report(
        login(reporter), report_data, poster=str(poster.pk), poster_query="Otto Outsider"
    )
    assert response.status_code == 302
    assert Report.objects.get().poster == outsider


def test_emptying_the_box_drops_the_person_chosen(
    login, reporter, poster, policy_register, report_data
) -> None:
    response = _report(login(reporter), report_data, poster=str(poster.pk), poster_query="")
    _refused(response)
    assert response.context["form"].errors["poster"] == [
        "Choose the colleague who posted it, or pick another answer above."
    ]


def test_a_leaver_cannot_be_named_even_by_their_id(
    login, reporter, leaver, policy_register, report_data
) -> None:
    client = login(reporter)
    by_id = _report(client, report_data, poster=str(leaver.pk))
    by_id_and_name = _report(client, report_data, poster=str(leaver.pk), poster_query="Paulo Gone")
    by_email = _report(client, report_data, poster_query=leaver.email)
    for response in (by_id, by_id_and_name, by_email):
        _refused(response)
        assert response.context["form"].errors["poster"]
    assert Report.objects.count() == 0


def test_a_name_left_in_the_box_is_ignored_when_no_colleague_posted_it(
    login, reporter, poster, paula, policy_register, report_data
) -> None:
    response = login(reporter).post(
        reverse(REPORT), report_data(poster_kind="unknown", poster_query="Pau")
    )
    assert response.status_code == 302
    assert Report.objects.get().poster is None


# --- The case forms --------------------------------------------------------------------


@pytest.fixture
def investigation(cast):
    return case_in_state(CaseState.INVESTIGATION, cast)


def _assign(client, case, **fields: object):
    data = {"seen_revision": case.revision, "note": "Assigned."} | fields
    return client.post(reverse("casework:case_action", args=[case.reference, "assign"]), data)


def test_assign_by_name_and_email(login, hr_lead, cast, investigation, other_investigator) -> None:
    response = _assign(
        login(hr_lead),
        investigation,
        investigator_query="ian other",
        decision_maker_query=cast.decision_maker.email,
    )
    assert response.status_code == 302
    case = case_refresh(investigation)
    assert case.investigator == other_investigator
    assert case.decision_maker == cast.decision_maker


def test_assign_refuses_someone_without_the_role_even_by_id(
    login, hr_lead, cast, investigation, outsider
) -> None:
    client = login(hr_lead)
    by_id = _assign(
        client,
        investigation,
        investigator=str(outsider.pk),
        decision_maker=str(cast.decision_maker.pk),
    )
    assert by_id.status_code == 400
    assert by_id.context["form"].errors["investigator"] == [
        "The person chosen can't be picked here. Type the name or work email of someone else."
    ]
    by_name = _assign(
        client,
        investigation,
        investigator_query="Otto Outsider",
        investigator=str(outsider.pk),
        decision_maker_query="Dev Decider",
    )
    assert by_name.status_code == 400
    assert by_name.context["form"].errors["investigator"] == [
        "No HR investigator matches “Otto Outsider”. Check the spelling, or type their work email."
    ]
    # An investigator isn't a decision maker: that field takes HR leads only.
    wrong_role = _assign(
        client,
        investigation,
        investigator_query="Ivy",
        decision_maker_query=cast.investigator.email,
    )
    assert wrong_role.status_code == 400
    assert "No HR lead matches" in wrong_role.context["form"].errors["decision_maker"][0]
    assert case_refresh(investigation).investigator == cast.investigator


def test_assign_refuses_an_investigator_who_has_left(
    login, hr_lead, cast, investigation, other_investigator
) -> None:
    other_investigator.is_active = False
    other_investigator.save(update_fields=["is_active"])
    response = _assign(
        login(hr_lead),
        investigation,
        investigator=str(other_investigator.pk),
        decision_maker=str(cast.decision_maker.pk),
    )
    assert response.status_code == 400
    assert response.context["form"].errors["investigator"]


def test_assign_form_shows_who_is_assigned_now(login, hr_lead, cast, investigation) -> None:
    page = (
        login(hr_lead)
        .get(reverse("casework:case_action", args=[investigation.reference, "assign"]))
        .content.decode()
    )
    assert f'name="investigator_query" value="{cast.investigator.get_full_name()}"' in page
    assert f'name="investigator" value="{cast.investigator.pk}"' in page
    assert 'data-search-url="/people/search/investigators/"' in page
    assert 'data-search-url="/people/search/decision-makers/"' in page


def test_linking_a_handle_by_email(login, triage_officer, cast) -> None:
    case = case_in_state(CaseState.TRIAGE, cast)
    data = action_form_data("link_handle", case, cast)
    data.pop("user")
    data["user_query"] = cast.poster.email
    response = login(triage_officer).post(
        reverse("casework:case_action", args=[case.reference, "link_handle"]), data
    )
    assert response.status_code == 302
    assert cast.poster.handles.filter(handle="ward_paul").exists()


# --- The search endpoint ---------------------------------------------------------------


def test_search_needs_sign_in(client, poster) -> None:
    response = _search(client, "staff", "pau")
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
    assert b"Poster" not in response.content


def test_search_finds_active_staff_by_name_and_email(
    login, reporter, poster, paula, leaver
) -> None:
    client = login(reporter)
    response = _search(client, "staff", "pau")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert _names(response) == ["Paul Poster", "Paula Postgate"]  # by surname; not the leaver
    [found] = response.json()["results"][:1]
    assert found == {
        "id": poster.pk,
        "name": "Paul Poster",
        "detail": f"Staff nurse, {poster.service.name}",
        "email": poster.email,
    }
    assert _names(_search(client, "staff", poster.email.split("@")[0] + "@tr")) == ["Paul Poster"]
    assert _names(_search(client, "staff", "postg")) == ["Paula Postgate"]
    assert _names(_search(client, "staff", "gone")) == []


def test_search_returns_ten_at_most_and_says_there_are_more(login, reporter) -> None:
    UserFactory.create_batch(SEARCH_LIMIT + 2, last_name="Smithson")
    found = _search(login(reporter), "staff", "smith").json()
    assert len(found["results"]) == SEARCH_LIMIT
    assert found["more"] is True


def test_search_wants_two_characters(login, reporter, poster) -> None:
    assert _search(login(reporter), "staff", "p").json() == {"results": [], "more": False}


def test_team_search_is_for_hr_leads_and_finds_the_role_only(
    login, hr_lead, reporter, triage_officer, cast, outsider
) -> None:
    UserFactory(first_name="Ivor", last_name="Noroles")
    client = login(hr_lead)
    assert _names(_search(client, "investigators", "iv")) == ["Ivy Investigator"]
    assert _names(_search(client, "decision-makers", "d")) == []  # too short
    assert _names(_search(client, "decision-makers", "dev")) == ["Dev Decider"]
    assert _names(_search(client, "decision-makers", "ivy")) == []
    for other in (reporter, triage_officer):
        assert _search(login(other), "investigators", "iv").status_code == 404
    assert _search(client, "nobody", "iv").status_code == 404


def test_search_costs_a_fixed_number_of_queries(login, reporter, django_assert_num_queries) -> None:
    UserFactory.create_batch(15, last_name="Smithson")
    client = login(reporter)
    # The session, the user, the matches with their services.
    with django_assert_num_queries(3):
        assert len(_search(client, "staff", "smi").json()["results"]) == SEARCH_LIMIT


def test_search_words_match_name_starts_anywhere_in_long_words() -> None:
    jo = UserFactory(first_name="Jo", last_name="Li")
    mary = UserFactory(first_name="Mary-Ann", last_name="Jackson", email="mj@trust.example")
    people = STAFF.people()
    assert list(people_matching(people, "jo li")) == [jo]
    assert list(people_matching(people, "ann jack")) == [mary]  # "ann" inside Mary-Ann
    assert list(people_matching(people, "son")) == [mary]
    assert people_search(people, "mj@").people == [mary]


@pytest.mark.postgresql
def test_search_is_served_by_the_indexes() -> None:
    """Each way of matching can use its index (the planner is told not to read the table)."""
    if connection.vendor != "postgresql":
        pytest.skip("the trigram and pattern indexes are PostgreSQL's")
    UserFactory.create_batch(5, last_name="Smithson")
    people = STAFF.people()
    names_or_email = ("user_first_name_trgm", "user_last_name_trgm", "user_email_prefix")
    for text, indexes in (
        ("smith", names_or_email),
        ("sm", names_or_email),
        ("person1", names_or_email),
        ("person1@trust", ("user_email_prefix",)),
    ):
        sql, params = people_matching(people, text).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        for index in indexes:
            assert index in plan, (text, plan)
        assert "Seq Scan on directory_user" not in plan, (text, plan)


def test_an_investigator_who_has_left_is_not_offered(login, hr_lead, investigator) -> None:
    UserFactory(first_name="Ivan", last_name="Left", roles=[Role.HR_INVESTIGATOR], is_active=False)
    assert _names(_search(login(hr_lead), "investigators", "iv")) == ["Ivy Investigator"]
