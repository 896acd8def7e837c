"""Personas and shared fixtures.

The personas are the people of DOMAIN.md: a reporter whose line manager is
known, a poster with their own line manager, a triage officer, an HR
investigator, an HR lead, a governance member and an outsider with no role.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.test import Client

from directory.models import Role, User
from tests.factories import PASSWORD, UserFactory


def require_service(variable: str, why: str) -> None:
    """Skip a test that needs a service it cannot reach, naming the variable.

    Under FLAGPOST_REQUIRE_SERVICES=1 (set by CI) a missing service fails the
    test instead, so CI can never go green by skipping.
    """
    message = f"{why} (set {variable})"
    if os.environ.get("FLAGPOST_REQUIRE_SERVICES") == "1":
        pytest.fail(f"required service missing: {message}")
    pytest.skip(message)


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


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def login():
    """``login(user)`` gives a test client signed in as that user."""
    return client_for


__all__ = ["PASSWORD", "require_service"]
