from __future__ import annotations

import pytest
from django.core.management import call_command

from casework.models import Case, CaseEvent
from directory.models import Role, User
from incidents.models import EvidenceLink, Report
from notifications.models import Notification
from policies.models import Principle

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    models = [User, Report, Case, CaseEvent, EvidenceLink, Notification, Principle]
    return {model.__name__: model.objects.count() for model in models}


def test_seed_demo_gives_every_role_a_login_and_prints_it(capsys) -> None:
    call_command("seed_demo")
    out = capsys.readouterr().out
    for role in Role:
        holders = User.objects.filter(groups__name=role.label)
        assert holders.exists(), role
        assert holders.first().email in out
    reporter = User.objects.get(email="rita.reporter@whc.example")
    assert reporter.check_password("flagpost-demo")
    assert "flagpost-demo" in out
    assert reporter.line_manager is not None and reporter.line_manager.line_manager is not None


def test_seed_demo_twice_changes_nothing() -> None:
    call_command("seed_demo")
    before = _counts()
    call_command("seed_demo")
    assert _counts() == before
    assert before["Report"] == 3
    # Two staff reported the same post: one case between them.
    assert before["Case"] == 2
