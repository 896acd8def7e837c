from __future__ import annotations

import pytest
from django.core.management import call_command

from casework.models import Case, CaseEvent
from directory.models import Role, User
from incidents.models import EvidenceLink, Report
from notifications.models import Notification
from policies.models import Principle

pytestmark = pytest.mark.django_db


def _live(queryset):  # the demo's hand-made cases, not its generated history
    field = "reference" if queryset.model in (Case, Report) else None
    return queryset.exclude(**{f"{field}__startswith": "HIS-"}) if field else queryset


def _counts() -> dict[str, int]:
    models = [User, Report, Case, CaseEvent, EvidenceLink, Notification, Principle]
    return {model.__name__: model.objects.count() for model in models}


def test_seed_demo_gives_every_role_a_login_and_prints_it(capsys) -> None:
    call_command("seed_demo")
    out = capsys.readouterr().out
    for role in Role:
        holders = User.objects.filter(groups__role__code=role)
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
    assert _live(Report.objects).count() == 8
    # Two staff reported the same post: one case between them.
    assert _live(Case.objects).count() == 7


def test_every_transition_can_be_walked_by_a_demo_user() -> None:
    from casework.actions import action_available

    call_command("seed_demo")
    names = {t.name for t in Case._meta.get_field("state").get_all_transitions(Case)}
    people = list(User.objects.prefetch_related("groups"))
    cases = list(_live(Case.objects).prefetch_related("reports"))
    walkable = {
        name
        for name in names
        for case in cases
        for user in people
        if action_available(user, case, name)
    }
    assert walkable == names


def test_the_demo_has_a_case_at_every_stage() -> None:
    from casework.models import CaseState

    call_command("seed_demo")
    assert set(Case.objects.values_list("state", flat=True)) == set(CaseState.values)


def test_every_kind_of_notification_is_in_the_demo_inbox(
    django_capture_on_commit_callbacks,
) -> None:
    from notifications.models import ACCOUNT_KINDS, NotificationKind

    # As with the worker running: the committee pack is announced once it is made.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    kinds = set(Notification.objects.values_list("kind", flat=True))
    # A broken audit trail is a fault, not a demo scene: its alert is tested in tests/security.
    # Account emails (invitations, resets) never show in an inbox: tests/accounts. The leavers'
    # notice follows a full staff import, which the demo doesn't run: tests/directory/test_leavers.
    not_staged = {NotificationKind.AUDIT_CHAIN_BROKEN, NotificationKind.STAFF_LEFT}
    assert kinds == set(NotificationKind.values) - not_staged - set(ACCOUNT_KINDS)


def test_every_demo_case_shows_its_earliest_open_deadline() -> None:
    from django.db.models import Min, Q

    call_command("seed_demo")
    open_deadlines = Min(
        "deadlines__due_at", filter=Q(deadlines__met_at=None, deadlines__cancelled_at=None)
    )
    for case in Case.objects.annotate(earliest=open_deadlines):
        assert case.next_due_at == case.earliest, case.reference


def test_closed_demo_cases_carry_their_archived_summary(django_capture_on_commit_callbacks) -> None:
    from casework.models import CaseState
    from summaries.models import CaseSummary, SummaryStatus

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    closed = Case.objects.filter(
        state=CaseState.CLOSED, closure__in=["outcome", "dismissed", "resolved_informally"]
    )
    for case in _live(closed):
        assert CaseSummary.objects.filter(
            case=case, archived=True, status=SummaryStatus.READY
        ).exists(), case
