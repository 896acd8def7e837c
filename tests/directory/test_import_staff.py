"""The staff import, driven through ``manage.py import_staff`` as an administrator would."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from directory.models import Directorate, EmploymentType, Role, Service, User
from directory.services import roles_ensure, staff_import
from tests.factories import PASSWORD, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "email,first_name,last_name,job_title,employment_type,directorate,service,"
    "line_manager_email,roles"
)
MANAGER = (
    "maya.manager@example.nhs.uk,Maya,Manager,Ward manager,Permanent,Mental Health,Crisis Team,,"
)
REPORT = (
    "rita.reporter@example.nhs.uk,Rita,Reporter,Staff nurse,Permanent,Mental Health,Crisis Team,"
    "maya.manager@example.nhs.uk,"
)
UNKNOWN_TYPE = (
    "unknown employment type 'Contractor'; "
    "use one of: Permanent, Temporary or agency, Student on placement, Volunteer"
)


@dataclass
class Run:
    stdout: str
    stderr: str


def write_csv(tmp_path: Path, *lines: str, header: str = HEADER, name: str = "staff.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join((header, *lines)) + "\n", encoding="utf-8")
    return path


def import_staff(path: Path) -> Run:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("import_staff", str(path), stdout=stdout, stderr=stderr)
    return Run(stdout.getvalue(), stderr.getvalue())


def person(email: str) -> User:
    return User.objects.select_related("service__directorate", "line_manager").get(email=email)


def test_good_rows_become_staff_with_their_service_and_manager(tmp_path: Path) -> None:
    run = import_staff(write_csv(tmp_path, MANAGER, REPORT))

    assert run.stdout.strip() == "2 created, 0 updated, 0 rejected"
    assert run.stderr == ""
    rita = person("rita.reporter@example.nhs.uk")
    assert (rita.first_name, rita.last_name, rita.job_title) == ("Rita", "Reporter", "Staff nurse")
    assert rita.employment_type == EmploymentType.PERMANENT
    assert (rita.service.name, rita.service.directorate.name) == ("Crisis Team", "Mental Health")
    assert rita.line_manager == person("maya.manager@example.nhs.uk")
    assert person("maya.manager@example.nhs.uk").line_manager is None


def test_imported_staff_cannot_sign_in_with_a_password_until_they_set_one(tmp_path: Path) -> None:
    import_staff(write_csv(tmp_path, MANAGER))

    assert not person("maya.manager@example.nhs.uk").has_usable_password()


def test_staff_already_in_the_directory_keep_their_password(tmp_path: Path) -> None:
    UserFactory(email="maya.manager@example.nhs.uk")

    import_staff(write_csv(tmp_path, MANAGER))

    assert person("maya.manager@example.nhs.uk").check_password(PASSWORD)


def test_a_manager_listed_after_their_report_is_still_their_manager(tmp_path: Path) -> None:
    run = import_staff(write_csv(tmp_path, REPORT, MANAGER))

    assert run.stdout.strip() == "2 created, 0 updated, 0 rejected"
    assert person("rita.reporter@example.nhs.uk").line_manager == person(
        "maya.manager@example.nhs.uk"
    )


def test_a_manager_already_in_the_directory_can_be_named(tmp_path: Path) -> None:
    maya = UserFactory(email="Maya.Manager@example.nhs.uk")

    run = import_staff(write_csv(tmp_path, REPORT))

    assert run.stdout.strip() == "1 created, 0 updated, 0 rejected"
    assert person("rita.reporter@example.nhs.uk").line_manager == maya


BAD_ROWS = [
    pytest.param(
        "sam@example.nhs.uk,Sam,Smith,Porter,Permanent,Estates,Portering,nobody@example.nhs.uk,",
        "unknown manager 'nobody@example.nhs.uk'",
        id="unknown manager",
    ),
    pytest.param(
        "Maya.Manager@example.nhs.uk,Maya,Other,Porter,Permanent,Estates,Portering,,",
        "'maya.manager@example.nhs.uk' is already on line 2",
        id="duplicate email",
    ),
    pytest.param(
        "sam@example.nhs.uk,Sam,Smith,Porter,Contractor,Estates,Portering,,",
        "unknown employment type 'Contractor'",
        id="bad employment type",
    ),
    pytest.param(
        ",Sam,Smith,Porter,Permanent,Estates,Portering,,", "email is missing", id="missing email"
    ),
    pytest.param(
        "sam@example.nhs.uk,,Smith,Porter,Permanent,Estates,Portering,,",
        "first name is missing",
        id="missing first name",
    ),
    pytest.param(
        "sam@example.nhs.uk,Sam,,Porter,Permanent,Estates,Portering,,",
        "last name is missing",
        id="missing last name",
    ),
    pytest.param(
        "sam.example.nhs.uk,Sam,Smith,Porter,Permanent,Estates,Portering,,",
        "'sam.example.nhs.uk' is not a valid email address",
        id="invalid email",
    ),
    pytest.param(
        "sam@example.nhs.uk,Sam,Smith,Porter,Permanent,Estates,Portering,,Chief Executive",
        "unknown role 'Chief Executive'",
        id="unknown role",
    ),
    pytest.param(
        "sam@example.nhs.uk,Sam,Smith,Porter,Permanent,Estates,Portering,sam@example.nhs.uk,",
        "a person can't be their own line manager",
        id="own manager",
    ),
    pytest.param(
        "sam@example.nhs.uk,Sam,Smith,Porter,Permanent,,Portering,,",
        "service 'Portering' has no directorate",
        id="service without directorate",
    ),
    pytest.param(
        "sam@example.nhs.uk,Sam,Smith,Porter, Band 2,Permanent,Estates,Portering,,",
        "has 10 values but the header has 9 columns",
        id="unquoted comma",
    ),
]


@pytest.mark.parametrize(("bad_row", "reason"), BAD_ROWS)
def test_a_bad_row_is_reported_with_its_line_and_the_good_rows_are_kept(
    tmp_path: Path, bad_row: str, reason: str
) -> None:
    run = import_staff(write_csv(tmp_path, MANAGER, bad_row, REPORT))

    assert run.stdout.strip() == "2 created, 0 updated, 1 rejected"
    assert run.stderr.startswith(f"line 3: {reason}")
    assert set(User.objects.values_list("email", flat=True)) == {
        "maya.manager@example.nhs.uk",
        "rita.reporter@example.nhs.uk",
    }
    assert not Directorate.objects.filter(name="Estates").exists()


def test_a_row_with_several_problems_lists_them_all(tmp_path: Path) -> None:
    run = import_staff(
        write_csv(tmp_path, "sam@example.nhs.uk,,,Porter,Contractor,Estates,Portering,,")
    )

    assert run.stderr.strip() == (
        f"line 2: first name is missing; last name is missing; {UNKNOWN_TYPE}"
    )


def test_reports_of_a_rejected_manager_row_have_an_unknown_manager(tmp_path: Path) -> None:
    bad_manager = MANAGER.replace("Permanent", "Contractor")
    reports_report = (
        "tim.trainee@example.nhs.uk,Tim,Trainee,Student nurse,Student,Mental Health,Crisis Team,"
        "rita.reporter@example.nhs.uk,"
    )

    run = import_staff(write_csv(tmp_path, reports_report, REPORT, bad_manager))

    assert run.stdout.strip() == "0 created, 0 updated, 3 rejected"
    assert run.stderr.splitlines() == [
        (
            "line 2: unknown manager 'rita.reporter@example.nhs.uk': "
            "their own row (line 3) was rejected"
        ),
        (
            "line 3: unknown manager 'maya.manager@example.nhs.uk': "
            "their own row (line 4) was rejected"
        ),
        f"line 4: {UNKNOWN_TYPE}",
    ]
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("permanent", EmploymentType.PERMANENT),
        ("Temporary or agency", EmploymentType.TEMPORARY),
        ("temporary", EmploymentType.TEMPORARY),
        ("AGENCY", EmploymentType.TEMPORARY),
        ("student", EmploymentType.STUDENT),
        ("Student on placement", EmploymentType.STUDENT),
        ("volunteer", EmploymentType.VOLUNTEER),
        ("", EmploymentType.PERMANENT),
    ],
)
def test_employment_types_are_read_from_values_or_labels(
    tmp_path: Path, written: str, stored: str
) -> None:
    import_staff(
        write_csv(tmp_path, f"sam@example.nhs.uk,Sam,Smith,Porter,{written},Estates,Portering,,")
    )

    assert person("sam@example.nhs.uk").employment_type == stored


def test_running_the_same_file_again_updates_and_creates_no_one(tmp_path: Path) -> None:
    path = write_csv(tmp_path, MANAGER, REPORT)
    import_staff(path)

    run = import_staff(path)

    assert run.stdout.strip() == "0 created, 2 updated, 0 rejected"
    assert User.objects.count() == 2
    assert Directorate.objects.count() == 1
    assert Service.objects.count() == 1


def test_changes_in_the_file_update_the_person(tmp_path: Path) -> None:
    import_staff(write_csv(tmp_path, MANAGER, REPORT))
    other_manager = "omar.other@example.nhs.uk,Omar,Other,Team leader,Permanent,Estates,Portering,,"
    changed = (
        "rita.reporter@example.nhs.uk,Rita,Reporter-Jones,Senior staff nurse,Temporary or agency,"
        "Estates,Portering,omar.other@example.nhs.uk,"
    )

    run = import_staff(write_csv(tmp_path, MANAGER, changed, other_manager))

    assert run.stdout.strip() == "1 created, 2 updated, 0 rejected"
    rita = person("rita.reporter@example.nhs.uk")
    assert (rita.last_name, rita.job_title) == ("Reporter-Jones", "Senior staff nurse")
    assert rita.employment_type == EmploymentType.TEMPORARY
    assert rita.service.name == "Portering"
    assert rita.line_manager == person("omar.other@example.nhs.uk")


def test_a_blank_manager_in_the_file_clears_the_line_manager(tmp_path: Path) -> None:
    import_staff(write_csv(tmp_path, MANAGER, REPORT))

    import_staff(write_csv(tmp_path, MANAGER, REPORT.replace("maya.manager@example.nhs.uk", "")))

    assert person("rita.reporter@example.nhs.uk").line_manager is None


def test_emails_match_whatever_their_case_and_are_stored_lower_case(tmp_path: Path) -> None:
    existing = UserFactory(email="Rita.Reporter@Example.NHS.uk", job_title="Nurse")
    shouting = REPORT.replace("rita.reporter@", "RITA.REPORTER@").replace(
        "maya.manager@example.nhs.uk,", "MAYA.Manager@EXAMPLE.nhs.uk,"
    )

    run = import_staff(
        write_csv(tmp_path, shouting, MANAGER.replace("maya.manager", "Maya.Manager"))
    )

    assert run.stdout.strip() == "1 created, 1 updated, 0 rejected"
    existing.refresh_from_db()
    assert existing.email == "rita.reporter@example.nhs.uk"
    assert existing.job_title == "Staff nurse"
    assert existing.line_manager == person("maya.manager@example.nhs.uk")


def test_directorates_and_services_are_reused_by_name_whatever_the_case(tmp_path: Path) -> None:
    crisis = ServiceFactory(name="Crisis team", directorate__name="Mental health")

    import_staff(write_csv(tmp_path, MANAGER, REPORT))

    assert person("maya.manager@example.nhs.uk").service == crisis
    assert Directorate.objects.count() == 1
    assert Service.objects.count() == 1


def test_the_same_service_name_in_two_directorates_is_two_services(tmp_path: Path) -> None:
    import_staff(
        write_csv(
            tmp_path,
            "a@example.nhs.uk,Ann,Able,Physio,Permanent,Adult Services,Physiotherapy,,",
            "b@example.nhs.uk,Ben,Baker,Physio,Permanent,Children's Services,Physiotherapy,,",
        )
    )

    assert person("a@example.nhs.uk").service != person("b@example.nhs.uk").service
    assert Service.objects.filter(name="Physiotherapy").count() == 2


def test_the_roles_column_adds_the_role_groups(tmp_path: Path) -> None:
    hr = (
        "hana.lead@example.nhs.uk,Hana,Lead,HR manager,Permanent,Corporate,HR,,"
        "HR lead; hr_investigator"
    )

    run = import_staff(write_csv(tmp_path, hr, MANAGER))

    assert run.stderr == ""
    hana = person("hana.lead@example.nhs.uk")
    assert hana.has_role(Role.HR_LEAD)
    assert hana.has_role(Role.HR_INVESTIGATOR)
    assert person("maya.manager@example.nhs.uk").groups.count() == 0


def test_roles_granted_in_the_admin_survive_a_later_import(tmp_path: Path) -> None:
    UserFactory(email="maya.manager@example.nhs.uk", roles=[Role.TRIAGE_OFFICER])

    import_staff(write_csv(tmp_path, MANAGER + "Governance committee"))

    maya = person("maya.manager@example.nhs.uk")
    assert set(maya.groups.values_list("name", flat=True)) == {
        "Triage officer",
        "Governance committee",
    }


def test_line_numbers_count_blank_lines_and_values_spanning_lines(tmp_path: Path) -> None:
    path = tmp_path / "staff.csv"
    path.write_text(
        "\n".join(  # noqa: FLY002 - one item per line of the file
            (
                HEADER,
                MANAGER,
                "",
                'sam@example.nhs.uk,Sam,Smith,"Porter,\nnight shift",Permanent,Estates,Portering,,',
                "kim@example.nhs.uk,Kim,,Porter,Permanent,Estates,Portering,,",
                ",,,,,,,,",
            )
        ),
        encoding="utf-8",
    )

    run = import_staff(path)

    assert run.stdout.strip() == "2 created, 0 updated, 1 rejected"
    assert run.stderr.strip() == "line 6: last name is missing"


def test_a_byte_order_mark_from_excel_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "staff.csv"
    path.write_bytes((f"{HEADER}\n{MANAGER}" + "\r\n").encode("utf-8-sig"))

    run = import_staff(path)

    assert run.stdout.strip() == "1 created, 0 updated, 0 rejected"


def test_headings_are_matched_loosely(tmp_path: Path) -> None:
    header = (
        "Email,First name,Last Name,Job title,Employment type,Directorate,Service,"
        "Line manager email"
    )

    run = import_staff(write_csv(tmp_path, MANAGER.removesuffix(","), header=header))

    assert run.stdout.strip() == "1 created, 0 updated, 0 rejected"


def test_a_missing_required_column_stops_the_import_and_is_named(tmp_path: Path) -> None:
    header = "email,first_name,last_name,employment_type,directorate,service"

    with pytest.raises(CommandError) as error:
        import_staff(
            write_csv(
                tmp_path, "sam@example.nhs.uk,Sam,Smith,Permanent,Estates,Portering", header=header
            )
        )

    assert "missing the required columns job_title, line_manager_email" in str(error.value)
    assert not User.objects.exists()


def test_an_empty_file_stops_the_import(tmp_path: Path) -> None:
    path = tmp_path / "staff.csv"
    path.write_text("", encoding="utf-8")

    with pytest.raises(CommandError, match="The file is empty"):
        import_staff(path)


def test_a_file_that_is_not_there_stops_the_import(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="There is no file at"):
        import_staff(tmp_path / "nowhere.csv")


def test_a_file_that_is_not_utf8_stops_the_import(tmp_path: Path) -> None:
    path = tmp_path / "staff.csv"
    path.write_bytes(("\n".join((HEADER, MANAGER.replace("Maya", "Zoë"))) + "\n").encode("cp1252"))

    with pytest.raises(CommandError, match="not UTF-8"):
        import_staff(path)
    assert not User.objects.exists()


def test_the_example_file_in_the_docs_imports_cleanly() -> None:
    run = import_staff(Path(settings.BASE_DIR) / "docs" / "staff-import-example.csv")

    assert run.stderr == ""
    assert run.stdout.strip() == "7 created, 0 updated, 0 rejected"
    assert person("leon.okafor@example.nhs.uk").line_manager == person(
        "amira.hussain@example.nhs.uk"
    )
    assert person("amira.hussain@example.nhs.uk").line_manager == person(
        "gareth.price@example.nhs.uk"
    )


def test_the_service_reports_line_and_reason_pairs() -> None:
    result = staff_import(
        lines=[HEADER, MANAGER, "x@example.nhs.uk,X,Y,Z,Permanent,,,nobody@example.nhs.uk,"]
    )

    assert (result.created, result.updated, result.rejected) == (1, 0, 1)
    assert result.errors == [
        (3, "unknown manager 'nobody@example.nhs.uk': not in this file nor in the staff directory")
    ]


def test_roles_ensure_makes_one_group_per_role_and_can_run_twice() -> None:
    roles_ensure()
    roles_ensure()

    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(
        role.label for role in Role
    )


# --------------------------------------------------------------------------- loops in the line of management


def staff(first: str, last: str, manager: str = "") -> str:
    """A row for ``first``, whose email is ``first@example.nhs.uk``; ``manager`` is a first name too."""
    manager_email = f"{manager.lower()}@example.nhs.uk" if manager else ""
    return (
        f"{first.lower()}@example.nhs.uk,{first},{last},Nurse,Permanent,Mental Health,Crisis Team,"
        f"{manager_email},"
    )


def test_two_people_managing_each_other_are_both_refused_and_the_rest_kept(tmp_path: Path) -> None:
    run = import_staff(
        write_csv(
            tmp_path, MANAGER, staff("Ann", "Abel", "Bea"), staff("Bea", "Bell", "Ann"), REPORT
        )
    )

    assert run.stdout.strip() == "2 created, 0 updated, 2 rejected"
    assert run.stderr.splitlines() == [
        (
            "line 3: Ann Abel's line manager would be Bea Bell, who is managed by Ann Abel "
            "— a management chain can't loop"
        ),
        (
            "line 4: Bea Bell's line manager would be Ann Abel, who is managed by Bea Bell "
            "— a management chain can't loop"
        ),
    ]
    assert set(User.objects.values_list("email", flat=True)) == {
        "maya.manager@example.nhs.uk",
        "rita.reporter@example.nhs.uk",
    }


def test_a_longer_loop_is_refused_row_by_row_and_its_reports_with_it(tmp_path: Path) -> None:
    run = import_staff(
        write_csv(
            tmp_path,
            staff("Ann", "Abel", "Bea"),
            staff("Bea", "Bell", "Cal"),
            staff("Cal", "Cole", "Ann"),
            staff("Dev", "Dean", "Cal"),
            MANAGER,
        )
    )

    assert run.stdout.strip() == "1 created, 0 updated, 4 rejected"
    assert run.stderr.splitlines() == [
        (
            "line 2: Ann Abel's line manager would be Bea Bell, who is managed by Cal Cole, "
            "who is managed by Ann Abel — a management chain can't loop"
        ),
        (
            "line 3: Bea Bell's line manager would be Cal Cole, who is managed by Ann Abel, "
            "who is managed by Bea Bell — a management chain can't loop"
        ),
        (
            "line 4: Cal Cole's line manager would be Ann Abel, who is managed by Bea Bell, "
            "who is managed by Cal Cole — a management chain can't loop"
        ),
        "line 5: unknown manager 'cal@example.nhs.uk': their own row (line 4) was rejected",
    ]


def test_a_row_that_would_close_a_loop_with_the_directory_is_refused(tmp_path: Path) -> None:
    bea = UserFactory(email="bea@example.nhs.uk", first_name="Bea", last_name="Bell")
    UserFactory(email="ann@example.nhs.uk", first_name="Ann", last_name="Abel", line_manager=bea)

    run = import_staff(write_csv(tmp_path, staff("Bea", "Bell", "Ann"), MANAGER))

    assert run.stdout.strip() == "1 created, 0 updated, 1 rejected"
    assert run.stderr.splitlines() == [
        (
            "line 2: Bea Bell's line manager would be Ann Abel, who is managed by Bea Bell "
            "(as the staff directory has it) — a management chain can't loop"
        ),
    ]
    bea.refresh_from_db()
    assert bea.line_manager is None


def test_a_loop_through_several_people_in_the_directory_is_found(tmp_path: Path) -> None:
    ann = UserFactory(email="ann@example.nhs.uk", first_name="Ann", last_name="Abel")
    cal = UserFactory(
        email="cal@example.nhs.uk", first_name="Cal", last_name="Cole", line_manager=ann
    )
    UserFactory(email="bea@example.nhs.uk", first_name="Bea", last_name="Bell", line_manager=cal)

    run = import_staff(write_csv(tmp_path, staff("Ann", "Abel", "Bea")))

    assert run.stderr.strip() == (
        "line 2: Ann Abel's line manager would be Bea Bell, who is managed by Cal Cole "
        "(as the staff directory has it), who is managed by Ann Abel (as the staff directory "
        "has it) — a management chain can't loop"
    )
    ann.refresh_from_db()
    assert ann.line_manager is None


def test_a_file_that_changes_both_ends_of_a_stored_line_is_not_a_loop(tmp_path: Path) -> None:
    # Ann managed Bea; now Bea manages Ann. The file says so for both, so nothing loops.
    ann = UserFactory(email="ann@example.nhs.uk", first_name="Ann", last_name="Abel")
    bea = UserFactory(
        email="bea@example.nhs.uk", first_name="Bea", last_name="Bell", line_manager=ann
    )

    run = import_staff(write_csv(tmp_path, staff("Ann", "Abel", "Bea"), staff("Bea", "Bell")))

    assert run.stdout.strip() == "0 created, 2 updated, 0 rejected"
    ann.refresh_from_db()
    bea.refresh_from_db()
    assert (ann.line_manager, bea.line_manager) == (bea, None)


def test_a_loop_already_stored_does_not_stop_a_new_report_joining_it(tmp_path: Path) -> None:
    # Put in directly, as bad data would be: the import still finishes.
    ann = UserFactory(email="ann@example.nhs.uk", first_name="Ann", last_name="Abel")
    bea = UserFactory(
        email="bea@example.nhs.uk", first_name="Bea", last_name="Bell", line_manager=ann
    )
    User.objects.filter(pk=ann.pk).update(line_manager=bea)

    run = import_staff(write_csv(tmp_path, staff("Dev", "Dean", "Ann")))

    assert run.stdout.strip() == "1 created, 0 updated, 0 rejected"
    assert person("dev@example.nhs.uk").line_manager == ann
