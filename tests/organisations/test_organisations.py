"""Organisations: the two of the source policies, their domains, the admin and the staff import."""

from __future__ import annotations

import importlib
import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from directory.models import SignInLink, User
from organisations.models import EmailDomain, Organisation, organisation_for_email
from organisations.services import SOURCE_ORGANISATIONS, organisations_ensure
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "email,first_name,last_name,job_title,employment_type,directorate,service,"
    "line_manager_email,roles,organisation"
)


def test_the_employers_of_the_two_source_policies_are_made_once() -> None:
    organisations_ensure()
    organisations_ensure()
    assert set(Organisation.objects.values_list("name", "short_name", "ods_code")) == {
        ("Worcestershire Health and Care NHS Trust", "WHCT", "R1A"),
        ("Healthwatch Worcestershire", "Healthwatch", ""),
    }
    assert not Organisation.objects.filter(oidc_enabled=True).exists()


def test_the_migration_makes_the_same_two() -> None:
    migration = importlib.import_module("organisations.migrations.0002_source_policy_organisations")
    assert migration.ORGANISATIONS == SOURCE_ORGANISATIONS


def test_an_email_finds_its_organisation_by_domain_whatever_its_case() -> None:
    trust = organisations_ensure()["WHCT"]
    EmailDomain.objects.create(organisation=trust, domain="whc.example")
    assert organisation_for_email("Rita.Reporter@WHC.example") == trust
    assert organisation_for_email("someone@elsewhere.example") is None
    assert organisation_for_email("not an email") is None


def test_the_secret_is_named_never_stored(monkeypatch: pytest.MonkeyPatch) -> None:
    trust = organisations_ensure()["WHCT"]
    trust.oidc_client_secret_variable = "SECRET_KEY"
    with pytest.raises(ValidationError, match="FLAGPOST_OIDC_"):
        trust.full_clean()
    trust.oidc_client_secret_variable = "FLAGPOST_OIDC_TRUST"
    monkeypatch.setenv("FLAGPOST_OIDC_TRUST", "from-the-environment")
    assert trust.oidc_client_secret() == "from-the-environment"


def test_single_sign_on_cannot_be_switched_on_half_set_up() -> None:
    trust = organisations_ensure()["WHCT"]
    trust.oidc_enabled = True
    trust.oidc_issuer = "https://login.microsoftonline.com/tenant/v2.0"
    with pytest.raises(ValidationError, match="client id"):
        trust.full_clean()
    assert not trust.sso_ready or trust.oidc_client_id == ""


def test_an_administrator_manages_organisations_and_their_domains(client) -> None:
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    trust = organisations_ensure()["WHCT"]
    assert client.get(reverse("admin:organisations_organisation_changelist")).status_code == 200
    page = client.get(reverse("admin:organisations_organisation_change", args=[trust.pk]))
    assert page.status_code == 200
    assert "secret&#x27;s environment variable" in page.content.decode()


def test_an_administrator_can_unlink_someone_but_never_make_a_link(client) -> None:
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    trust = organisations_ensure()["WHCT"]
    link = SignInLink.objects.create(
        user=UserFactory(), organisation=trust, issuer="https://idp.example", subject="abc"
    )
    assert client.get(reverse("admin:directory_signinlink_changelist")).status_code == 200
    assert client.get(reverse("admin:directory_signinlink_add")).status_code == 403
    change = client.post(
        reverse("admin:directory_signinlink_change", args=[link.pk]), {"subject": "forged"}
    )
    assert change.status_code in (200, 403)
    link.refresh_from_db()
    assert link.subject == "abc"
    client.post(reverse("admin:directory_signinlink_delete", args=[link.pk]), {"post": "yes"})
    assert not SignInLink.objects.exists()


def _import(tmp_path: Path, *rows: str) -> tuple[str, str]:
    path = tmp_path / "staff.csv"
    path.write_text("\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_staff", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_import_places_staff_by_the_column_or_else_their_email_domain(tmp_path: Path) -> None:
    trust = organisations_ensure()["WHCT"]
    healthwatch = organisations_ensure()["Healthwatch"]
    EmailDomain.objects.create(organisation=trust, domain="whc.example")
    out, err = _import(
        tmp_path,
        "ann.a@whc.example,Ann,A,Nurse,Permanent,,,,,",
        "ben.b@whc.example,Ben,B,Volunteer,Volunteer,,,,,Healthwatch Worcestershire",
        "cat.c@elsewhere.example,Cat,C,Clerk,Permanent,,,,,R1A",
        "dan.d@elsewhere.example,Dan,D,Clerk,Permanent,,,,,",
        "eve.e@elsewhere.example,Eve,E,Clerk,Permanent,,,,,Nowhere Trust",
    )
    assert out.strip() == "4 created, 0 updated, 1 rejected"
    assert "line 6: unknown organisation 'Nowhere Trust'" in err
    placed = dict(User.objects.values_list("email", "organisation"))
    assert placed == {
        "ann.a@whc.example": trust.pk,
        "ben.b@whc.example": healthwatch.pk,
        "cat.c@elsewhere.example": trust.pk,
        "dan.d@elsewhere.example": None,
    }


def test_a_blank_organisation_keeps_where_someone_was_placed(tmp_path: Path) -> None:
    healthwatch = organisations_ensure()["Healthwatch"]
    EmailDomain.objects.create(organisation=organisations_ensure()["WHCT"], domain="whc.example")
    UserFactory(email="ann.a@whc.example", organisation=healthwatch)
    _import(tmp_path, "ann.a@whc.example,Ann,A,Nurse,Permanent,,,,,")
    assert User.objects.get(email="ann.a@whc.example").organisation == healthwatch
