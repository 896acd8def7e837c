"""Each case action is declared once, whole, and nothing else keeps its own table of actions."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
from pathlib import Path

import pytest
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.utils import timezone

from casework import access, notices, services
from casework.actions import ACTION_SPECS, ACTIONS, HR_ONLY_NOTES, CaseAction, transition_target
from casework.forms import CaseActionForm
from casework.models import Case, CaseChange, CaseEvent, CaseState, Flag
from deadlines.models import Clock, Deadline
from deadlines.services import deadlines_for_new_case
from incidents.models import Report
from tests.factories import case_in_state

ROOT = Path(__file__).resolve().parents[2]


def _fsm_transitions() -> set[str]:
    return {name for name, member in inspect.getmembers(Case) if hasattr(member, "_django_fsm")}


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_every_declared_action_has_every_part(name: str) -> None:
    declared = ACTIONS[name]
    assert declared.name == name
    assert declared.label.strip() and declared.help.strip()
    assert issubclass(declared.form_class, CaseActionForm)
    # The rule is one of the access rules, so casework.access stays the one place for them.
    assert callable(declared.rule) and getattr(access, declared.rule.__name__) is declared.rule
    assert (
        callable(declared.service)
        and getattr(services, declared.service.__name__) is declared.service
    )
    assert declared.notify is None or getattr(notices, declared.notify.__name__) is declared.notify
    assert all(isinstance(clock, Clock) for clock in (*declared.meets, *declared.opens))
    if declared.transition:
        assert name in _fsm_transitions(), f"{name} names no transition on Case"
        assert transition_target(name) in CaseState.values


def test_every_transition_on_the_case_is_declared() -> None:
    declared = {name for name, action in ACTIONS.items() if action.transition}
    assert _fsm_transitions() == declared


def test_the_case_page_offers_every_declared_action_but_withdrawing() -> None:
    assert set(ACTIONS) - set(ACTION_SPECS) == {"withdraw"}


def test_the_rule_a_declaration_names_is_the_one_asked(cast, monkeypatch) -> None:
    case = case_in_state(CaseState.NEW, cast)
    assert access.may(cast.triage_officer, "start_triage", case)
    refused = dataclasses.replace(ACTIONS["start_triage"], rule=lambda user, case: False)
    monkeypatch.setitem(ACTIONS, "start_triage", refused)
    assert not access.may(cast.triage_officer, "start_triage", case)


def test_the_clocks_an_action_meets_and_opens_are_its_declarations(cast, monkeypatch) -> None:
    case = case_in_state(CaseState.NEW, cast)
    deadlines_for_new_case(case=case, at=timezone.now())
    declared = dataclasses.replace(
        ACTIONS["start_triage"], opens=(Clock.TRIAGE_COMPLETE, Clock.DECISION)
    )
    monkeypatch.setitem(ACTIONS, "start_triage", declared)
    services.case_triage_start(case=case, by=cast.triage_officer, note="Looking now.")
    clocks = dict(Deadline.objects.filter(case=case).values_list("clock", "met_at"))
    assert set(clocks) == {Clock.TRIAGE_START, Clock.TRIAGE_COMPLETE, Clock.DECISION}
    assert clocks[Clock.TRIAGE_START] is not None  # met, as declared


def test_hr_only_notes_come_from_the_declarations() -> None:
    assert {name for name, action in ACTIONS.items() if action.note_for_hr_only} == HR_ONLY_NOTES
    assert HR_ONLY_NOTES == {
        "assign",
        "submit_findings",
        "add_note",
        "link_handle",
        "respond_to_flag",
    }


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("casework.access", "_RULES"),
        ("deadlines.services", "_MEETS"),
        ("deadlines.services", "_OPENS"),
        ("summaries.selectors", "_HR_ONLY_ACTIONS"),
        ("notifications.rules", "notify_case_action"),
        ("demo.history", "_STATE_AFTER"),
    ],
)
def test_the_old_tables_of_actions_are_gone(module: str, name: str) -> None:
    assert not hasattr(importlib.import_module(module), name)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _app_imports(app: str) -> dict[str, set[str]]:
    return {str(path.relative_to(ROOT)): _imports(path) for path in (ROOT / app).rglob("*.py")}


@pytest.mark.parametrize("app", ["casework", "deadlines", "incidents", "notifications"])
def test_the_core_never_imports_reporting(app: str) -> None:
    offending = {
        path: sorted(m for m in modules if m.split(".")[0] == "governance")
        for path, modules in _app_imports(app).items()
    }
    assert {path: modules for path, modules in offending.items() if modules} == {}


def test_notifications_and_deadlines_know_nothing_of_the_case_rules() -> None:
    for app, banned in [
        ("notifications", ("casework.notices", "casework.actions", "casework.services")),
        ("deadlines", ("casework.notices", "notifications")),
    ]:
        for path, modules in _app_imports(app).items():
            if "/migrations/" in path:
                continue
            assert not [m for m in modules if m.startswith(banned)], path


def test_no_receiver_writes_a_timeline_audit_row_or_a_subject_key() -> None:
    assert not post_save.has_listeners(CaseEvent)
    listening = [
        *post_save._live_receivers(Case)[0],
        *pre_save._live_receivers(Case)[0],
        *m2m_changed._live_receivers(Case.principles.through)[0],
    ]
    modules = {getattr(receiver, "__module__", "") for receiver in listening}
    assert not [module for module in modules if module.startswith(("records", "audit", "casework"))]


def test_an_action_is_declared_as_a_case_action() -> None:
    assert all(isinstance(action, CaseAction) for action in ACTIONS.values())


@pytest.fixture
def no_governance_receivers():
    """Reporting's net for ORM writes made outside the services, taken away for one test."""
    from governance import rollup

    hooks = [(post_save, Case, rollup._case_saved, "governance_rollup_case_saved")]
    hooks += [
        (post_save, model, rollup._child_saved, f"governance_rollup_{model.__name__}_saved")
        for model in (Report, Deadline)
    ]
    hooks += [
        (
            m2m_changed,
            Case.principles.through,
            rollup._principles_changed,
            "governance_rollup_principles",
        )
    ]
    for signal, sender, _, uid in hooks:
        assert signal.disconnect(sender=sender, dispatch_uid=uid)
    yield
    for signal, sender, receiver, uid in hooks:
        signal.connect(receiver, sender=sender, dispatch_uid=uid)


def test_the_services_tell_reporting_themselves(cast, no_governance_receivers) -> None:
    case = case_in_state(CaseState.NEW, cast)
    deadlines_for_new_case(case=case, at=timezone.now())
    CaseChange.objects.all().delete()
    services.case_triage_start(case=case, by=cast.triage_officer, note="Looking now.")
    assert list(CaseChange.objects.values_list("case_id", flat=True)) == [case.pk]
    CaseChange.objects.all().delete()
    services.case_update_details(
        case=Case.objects.get(pk=case.pk),
        by=cast.triage_officer,
        poster=cast.poster,
        poster_handle="",
        principles=[],
        triage_summary="A photo of a patient.",
    )
    assert list(CaseChange.objects.values_list("case_id", flat=True)) == [case.pk]
    CaseChange.objects.all().delete()
    services.case_flag_set(
        case=Case.objects.get(pk=case.pk),
        by=cast.triage_officer,
        flag=Flag.OFFICIAL_ACCOUNT,
        raised=True,
        note="Posted from the ward's account.",
    )
    assert list(CaseChange.objects.values_list("case_id", flat=True)) == [case.pk]
