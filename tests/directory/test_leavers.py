"""Leavers and movers: a full staff extract switches off whoever of its organisations it no
longer lists, and the HR leads hear of the open cases those people held."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from casework.models import CaseState
from directory.models import User
from directory.services import TooManyLeavers, staff_import
from incidents.models import Report
from notifications.models import Notification, NotificationKind
from organisations.models import Organisation
from tests.directory.test_import_staff import HEADER, MANAGER, REPORT
from tests.factories import UserFactory, case_in_state

pytestmark = pytest.mark.django_db

FULL_HEADER = f"{HEADER},organisation"


@pytest.fixture
def trust() -> Organisation:
    return Organisation.objects.create(name="Test Trust", short_name="TT")


def _staff(count: int, organisation: Organisation, prefix: str = "staff") -> list[User]:
    return [
        UserFactory(email=f"{prefix}.{n}@example.nhs.uk", organisation=organisation)
        for n in range(count)
    ]


def _extract(people: list[User], organisation: Organisation) -> list[str]:
    """A full extract of ``organisation`` listing ``people``."""
    rows = [
        f"{p.email},{p.first_name or 'A'},{p.last_name or 'B'},Nurse,Permanent,Mental Health,"
        f"Crisis Team,,,{organisation.short_name}"
        for p in people
    ]
    return [FULL_HEADER, *rows]


def test_a_full_extract_switches_off_the_people_it_no_longer_lists(trust: Organisation) -> None:
    staying = _staff(20, trust)
    leaving = UserFactory(email="gone@example.nhs.uk", organisation=trust)
    other_trust = UserFactory(
        email="keep@other.example",
        organisation=Organisation.objects.create(name="Other", short_name="OT"),
    )
    unplaced = UserFactory(email="unplaced@example.org", organisation=None)
    admin = UserFactory(email="admin@example.nhs.uk", organisation=trust, is_superuser=True)

    result = staff_import(lines=_extract(staying, trust), full=True)

    assert [person.email for person in result.left] == [leaving.email]
    leaving.refresh_from_db()
    assert not leaving.is_active
    # Another organisation's people, people in none, and administrators are not the extract's.
    for kept in (*staying, other_trust, unplaced, admin):
        kept.refresh_from_db()
        assert kept.is_active, kept.email


def test_a_leaver_s_reports_stay(trust: Organisation, cast) -> None:
    case = case_in_state(CaseState.TRIAGE, cast)
    reporter = cast.reporter
    reporter.organisation = trust
    reporter.save(update_fields=["organisation"])
    staying = _staff(20, trust)

    result = staff_import(lines=_extract(staying, trust), full=True)

    assert reporter in result.left
    assert Report.objects.filter(case=case, reporter=reporter).exists()


def test_without_full_nobody_is_switched_off(trust: Organisation) -> None:
    staying = _staff(5, trust)
    leaving = UserFactory(email="gone@example.nhs.uk", organisation=trust)
    result = staff_import(lines=_extract(staying, trust))
    assert result.left == []
    leaving.refresh_from_db()
    assert leaving.is_active


def test_an_extract_with_a_row_whose_email_is_blank_switches_nobody_off(
    trust: Organisation,
) -> None:
    staying = _staff(20, trust)
    leaving = UserFactory(email="gone@example.nhs.uk", organisation=trust)
    extract = [
        *_extract(staying, trust),
        ",No,Email,Nurse,Permanent,Mental Health,Crisis Team,,,TT",
    ]
    result = staff_import(lines=extract, full=True)
    assert result.left == [] and result.rejected == 1
    leaving.refresh_from_db()
    assert leaving.is_active


def test_an_extract_missing_too_many_people_changes_nothing(trust: Organisation) -> None:
    staying = _staff(5, trust)
    gone = _staff(3, trust, prefix="gone")
    extract = [*_extract(staying, trust), f"{MANAGER},TT"]
    with pytest.raises(
        TooManyLeavers, match="3 of 9 people would be marked as having left, more than 1"
    ):
        staff_import(lines=extract, full=True)
    # Nothing at all was written: not the leavers, not the extract's new person.
    assert not User.objects.filter(email="maya.manager@example.nhs.uk").exists()
    assert all(User.objects.get(pk=person.pk).is_active for person in gone)
    # Allowed explicitly, it goes through.
    result = staff_import(lines=extract, full=True, leavers_limit=3)
    assert sorted(person.email for person in result.left) == sorted(p.email for p in gone)


def test_the_command_refuses_a_short_extract_and_says_how_to_allow_it(
    tmp_path: Path, trust: Organisation
) -> None:
    staying = _staff(5, trust)
    _staff(3, trust, prefix="gone")
    path = tmp_path / "staff.csv"
    path.write_text("\n".join(_extract(staying, trust)) + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match="run again with --max-leavers 3"):
        call_command("import_staff", str(path), "--full", stdout=io.StringIO())


def test_the_hr_leads_hear_of_the_open_cases_leavers_held_and_find_them_in_my_work(
    tmp_path: Path, cast, hr_lead, login, trust: Organisation
) -> None:
    case = case_in_state(CaseState.INVESTIGATION, cast)
    investigator = case.investigator
    everyone = list(User.objects.filter(is_active=True, is_superuser=False))
    User.objects.filter(pk__in=[person.pk for person in everyone]).update(organisation=trust)
    listed = [person for person in everyone if person.pk != investigator.pk]
    path = tmp_path / "staff.csv"
    path.write_text("\n".join(_extract(listed, trust)) + "\n", encoding="utf-8")
    stdout = io.StringIO()

    call_command("import_staff", str(path), "--full", "--max-leavers", "1", stdout=stdout)

    assert "1 marked as having left" in stdout.getvalue()
    assert f"left: {investigator.email}" in stdout.getvalue()
    assert "1 open cases held by them" in stdout.getvalue()
    investigator.refresh_from_db()
    assert not investigator.is_active
    [told] = Notification.objects.filter(recipient=hr_lead, kind=NotificationKind.STAFF_LEFT)
    assert f"{case.reference}: investigator {investigator.get_full_name()}" in told.body_text
    assert told.subject == "1 open case held by people who have left"
    assert told.link == reverse("casework:my_work") + "?kind=left"

    page = login(hr_lead).get(told.link)
    assert page.status_code == 200
    assert page.context["chosen"].key == "left"
    assert [row.reference for row in page.context["page"].object_list] == [case.reference]


def test_a_person_who_moves_gets_their_new_line_manager() -> None:
    staff_import(lines=[HEADER, MANAGER, REPORT])
    other = (
        "olly.other@example.nhs.uk,Olly,Other,Ward manager,Permanent,Mental Health,Crisis Team,,"
    )
    moved = REPORT.replace("maya.manager@example.nhs.uk", "olly.other@example.nhs.uk")
    staff_import(lines=[HEADER, MANAGER, other, moved])
    reporter = User.objects.get(email="rita.reporter@example.nhs.uk")
    assert reporter.line_manager is not None
    assert reporter.line_manager.email == "olly.other@example.nhs.uk"
