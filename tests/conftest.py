"""Personas and shared fixtures: the only place a fixture used by more than one app is defined.

The personas are the people of DOMAIN.md: a reporter whose line manager is
known, a poster with their own line manager, a triage officer, an HR
investigator, an HR lead (and a second one who decides), a governance member,
the specialist leads and an outsider with no role. ``cast`` gathers the people
around one case. Helpers that tests import are plain modules
(tests/factories.py, tests/helpers.py, tests/samples.py), never this file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine

from demo.sso_provider import CLIENT_SECRET, provider_missing, provider_running
from directory.models import Role, User
from organisations.models import EmailDomain, Organisation
from tests.factories import Cast, UserFactory
from tests.governance.world import NOW, World, world_build
from tests.helpers import client_for, require_service
from tests.oidc.provider_process import SSO_DOMAIN


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``postgresql`` run on PostgreSQL only, and ``redis`` on the Redis broker only
    (CI runs them in its PostgreSQL and Redis pass and deselects them in the embedded one)."""
    from django.conf import settings
    from django.db import connection

    needs = []
    if connection.vendor != "postgresql":
        needs.append(
            (
                "postgresql",
                "needs PostgreSQL (set DATABASE_URL=postgres://…); on SQLite run with "
                + "-m 'not postgresql'",
            )
        )
    if not str(settings.CELERY_BROKER_URL).startswith("redis://"):
        needs.append(
            (
                "redis",
                "needs the Redis broker (set CELERY_BROKER_URL=redis://…); on the embedded "
                + "broker run with -m 'not redis'",
            )
        )
    for marker, reason in needs:
        skip = pytest.mark.skip(reason=reason)
        for item in items:
            if item.get_closest_marker(marker):
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # The production hasher takes a quarter of a second a user; the suite makes thousands.
    # Hashing itself is not what any test here is about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_evidence_root(settings, tmp_path: Path) -> None:
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    settings.SUMMARY_ROOT = tmp_path / "summaries"


@pytest.fixture(autouse=True)
def _tasks_run_in_process():
    """Tasks run in the test's own process unless a test asks for a real worker.

    The Celery app reads its configuration once, so this sets it on the app
    itself rather than through Django settings.
    """
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def manager(db) -> User:
    return UserFactory(first_name="Maya", last_name="Manager", job_title="Ward manager")


@pytest.fixture
def reporter(db, manager: User) -> User:
    return UserFactory(first_name="Rita", last_name="Reporter", line_manager=manager)


@pytest.fixture
def poster_manager(db) -> User:
    return UserFactory(first_name="Pat", last_name="Manager", job_title="Team leader")


@pytest.fixture
def poster(db, poster_manager: User) -> User:
    return UserFactory(first_name="Paul", last_name="Poster", line_manager=poster_manager)


@pytest.fixture
def triage_officer(db) -> User:
    return UserFactory(first_name="Tom", last_name="Triage", roles=[Role.TRIAGE_OFFICER])


@pytest.fixture
def investigator(db) -> User:
    return UserFactory(first_name="Ivy", last_name="Investigator", roles=[Role.HR_INVESTIGATOR])


@pytest.fixture
def hr_lead(db) -> User:
    return UserFactory(first_name="Hana", last_name="Lead", roles=[Role.HR_LEAD])


@pytest.fixture
def governance_member(db) -> User:
    return UserFactory(first_name="Gita", last_name="Governance", roles=[Role.GOVERNANCE])


@pytest.fixture
def outsider(db) -> User:
    return UserFactory(first_name="Otto", last_name="Outsider")


@pytest.fixture
def decision_maker(db) -> User:
    return UserFactory(first_name="Dev", last_name="Decider", roles=[Role.HR_LEAD])


@pytest.fixture
def other_triage_officer(db) -> User:
    return UserFactory(first_name="Tess", last_name="Othertriage", roles=[Role.TRIAGE_OFFICER])


@pytest.fixture
def other_investigator(db) -> User:
    return UserFactory(
        first_name="Ian", last_name="Otherinvestigator", roles=[Role.HR_INVESTIGATOR]
    )


@pytest.fixture
def safeguarding_lead(db) -> User:
    return UserFactory(first_name="Sam", last_name="Safeguarding", roles=[Role.SAFEGUARDING_LEAD])


@pytest.fixture
def ig_lead(db) -> User:
    return UserFactory(first_name="Iris", last_name="Governance-Lead", roles=[Role.IG_LEAD])


@pytest.fixture
def communications_lead(db) -> User:
    return UserFactory(first_name="Cora", last_name="Comms", roles=[Role.COMMUNICATIONS_LEAD])


@pytest.fixture
def cast(reporter, poster, poster_manager, triage_officer, investigator, decision_maker) -> Cast:
    return Cast(
        reporter=reporter,
        poster=poster,
        line_manager=poster_manager,
        triage_officer=triage_officer,
        investigator=investigator,
        decision_maker=decision_maker,
    )


@pytest.fixture
def login():
    """``login(user)`` gives a test client signed in as that user."""
    return client_for


@pytest.fixture
def frozen() -> Iterator[object]:
    """The clock stands at the governance world's "now": Wednesday 15 April 2026, noon (London)."""
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def world(db, frozen) -> World:
    """The small world of cases of tests/governance/world.py, whose figures are worked out by hand."""
    return world_build()


@pytest.fixture(scope="session")
def oidc_issuer() -> Iterator[str]:
    """A real OpenID Connect provider (node-oidc-provider) on a free port of 127.0.0.1: its issuer."""
    missing = provider_missing()
    if missing is not None:
        require_service("FLAGPOST_OIDC_PROVIDER", missing)
    with provider_running() as issuer:
        yield issuer


@pytest.fixture
def sso_organisation(db, oidc_issuer: str, monkeypatch: pytest.MonkeyPatch) -> Organisation:
    """An organisation whose staff (``@sso.example.nhs.uk``) sign in at the test provider."""
    monkeypatch.setenv("FLAGPOST_OIDC_TEST_SECRET", CLIENT_SECRET)
    organisation = Organisation.objects.create(
        name="Severn Test NHS Trust",
        short_name="STT",
        sign_in_help="the Severn IT service desk on 01234 567890",
        oidc_enabled=True,
        oidc_issuer=oidc_issuer,
        oidc_client_id="flagpost",
        oidc_client_secret_variable="FLAGPOST_OIDC_TEST_SECRET",
    )
    EmailDomain.objects.create(organisation=organisation, domain=SSO_DOMAIN)
    return organisation
