"""Every address refuses a POST that carries no CSRF token, and nothing changes.

The addresses are read from the URL configuration, so a page added later is
covered without anyone remembering to list it. Arguments are filled from
real objects (a case, its report and evidence, a summary, a notification, a
committee pack, admin rows), so the same POST with a token would have acted.
A POST is sent to every pattern, not only those whose views accept POST: the
check comes before the view, so a view that refuses POST is covered too.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator

import pytest
import time_machine
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from casework.actions import ACTION_SPECS
from casework.models import Case, CaseState
from directory.models import Role, User
from governance.models import CommitteePack
from notifications.models import Notification, NotificationKind
from summaries.models import CaseSummary, SummaryVariant
from tests.factories import PASSWORD, Cast, UserFactory, case_in_state

pytestmark = pytest.mark.django_db

_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")

# A body that fills the forms people post (a note, a reason, a choice, a password), so that
# if the token check were missing the request would have changed something.
PAYLOAD = {
    "note": "Acting on this case.",
    "reason": "Needed to contact them about the investigation.",
    "summary": "Findings written up.",
    "variant": SummaryVariant.FULL,
    "email_preference": "daily_digest",
    "username": "",
    "password": PASSWORD,
    "confirm": "yes",
    "outcome": "no_case_to_answer",
    "fingerprint": "0" * 64,
}


def _routes(
    resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str]]:
    """(full route, view name) for every pattern in the URL configuration."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}".strip(":") if entry.namespace else namespace
            yield from _routes(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield (
                prefix + str(entry.pattern),
                f"{namespace}:{entry.name}".strip(":") if entry.name else "",
            )


class Values:
    """Real values for each kind of path argument."""

    def __init__(self, *, case: Case, admin: User, reporter: User) -> None:
        report = case.reports.order_by("pk").first()
        self.case = case
        self.report = report
        self.evidence = report.files.order_by("pk").first()
        self.summary = CaseSummary.objects.create(
            case=case, variant=SummaryVariant.FULL, case_revision=1, requested_by=admin
        )
        self.pack = CommitteePack.objects.create(
            start=dt.date(2026, 1, 1),
            end=dt.date(2026, 3, 31),
            period="quarter",
            requested_by=admin,
        )
        self.notifications = {
            user.pk: Notification.objects.create(
                recipient=user,
                kind=NotificationKind.TEAM_MEMBER_REPORTED,
                subject="A report",
                body_text="A report.",
                body_html="<p>A report.</p>",
            )
            for user in (admin, reporter)
        }
        self.transitions = sorted({t.name for t in case.get_all_state_transitions()})

    def for_route(self, route: str, param: str, user: User) -> list[str]:
        if param == "reference":
            return [self.report.reference if route.startswith("reports/") else self.case.reference]
        if param == "report_reference":
            return [self.report.reference]
        if param == "action":
            return sorted(ACTION_SPECS)
        if param == "transition_name":
            return self.transitions
        if param == "key":
            return ["summary"]
        if param == "app_label":
            return ["casework"]
        if param == "url":
            return ["casework/no-such-page/"]
        if param == "content_type_id":
            return [str(ContentType.objects.get_for_model(Case).pk)]
        if param == "pk":
            if "evidence" in route:
                return [str(self.evidence.pk)]
            if "summaries" in route:
                return [str(self.summary.pk)]
            if "packs" in route:
                return [str(self.pack.pk)]
            if "notifications" in route:
                return [str(self.notifications[user.pk].pk)]
        if param == "object_id":
            match = re.match(r"admin/(\w+)/(\w+)/", route)
            if match is not None:
                model = apps.get_model(match[1], match[2])
                first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
                if first is not None:
                    return [str(first)]
            if route.startswith("admin/r/"):
                return [str(self.case.pk)]
        # An argument this test does not know yet: any value that fits still reaches the
        # token check, which comes before the view looks the value up.
        return ["1"]


def _paths(values: Values, user: User) -> list[str]:
    paths: list[str] = []
    for route, _ in _routes():
        partial = ["/" + route.replace("^", "").replace("$", "")]
        for match in _PARAM.finditer(route):
            param = match[1] or match[2]
            partial = [
                path.replace(match[0], value, 1)
                for path in partial
                for value in values.for_route(route, param, user)
            ]
        paths.extend(partial)
    return paths


def _database() -> dict[str, list[dict]]:
    """Every row of every table, except the audit trail, whose job is to record the refusals."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy and model._meta.app_label != "audit"
    }


@pytest.fixture
def admin(db) -> User:
    # Every role at once, and the admin site: whatever a POST could do, this person may do it.
    return UserFactory(
        first_name="Ada", last_name="Admin", is_staff=True, is_superuser=True, roles=list(Role)
    )


@pytest.fixture
def case_cast(reporter, poster, poster_manager, triage_officer, investigator, hr_lead) -> Cast:
    return Cast(
        reporter=reporter,
        poster=poster,
        line_manager=poster_manager,
        triage_officer=triage_officer,
        investigator=investigator,
        decision_maker=hr_lead,
    )


@pytest.fixture
def values(case_cast, admin) -> Values:
    case = case_in_state(CaseState.INVESTIGATION, case_cast)
    return Values(case=case, admin=admin, reporter=case_cast.reporter)


def test_every_address_is_found(values, admin) -> None:
    paths = _paths(values, admin)
    expected = [
        reverse("login"),
        reverse("logout"),
        reverse("incidents:report_create"),
        reverse("incidents:report_withdraw", args=[values.report.reference]),
        reverse("summaries:create", args=[values.case.reference]),
        reverse("notifications:mark_all_read"),
        reverse("notifications:preferences"),
        reverse("governance:pack_create"),
        reverse("admin:casework_case_change", args=[values.case.pk]),
        *(
            reverse("casework:case_action", args=[values.case.reference, name])
            for name in ACTION_SPECS
        ),
    ]
    assert set(expected) <= set(paths)
    assert len(paths) > 100


@pytest.mark.parametrize("who", ["admin", "reporter"])
def test_a_post_without_a_token_is_refused_everywhere_and_changes_nothing(
    values, admin, reporter, who, caplog
) -> None:
    user = admin if who == "admin" else reporter
    payload = {**PAYLOAD, "username": user.email}
    paths = _paths(values, user)
    with time_machine.travel(timezone.now(), tick=False):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(user)
        before = _database()

        not_refused = []
        with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
            for path in paths:
                caplog.clear()
                response = browser.post(path, payload)
                refused_for_csrf = any("CSRF" in record.getMessage() for record in caplog.records)
                if response.status_code != 403 or not refused_for_csrf:
                    not_refused.append((path, response.status_code))

        assert not_refused == []
        assert _database() == before
        # Still signed in: the sign-out address refused the POST too.
        assert browser.get(reverse("notifications:inbox")).status_code == 200


def test_the_same_post_with_a_token_goes_through(values, admin) -> None:
    """The refusals above are the token check: with a token, the same kind of POST acts."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin)
    page = browser.get(reverse("notifications:inbox"))
    token = (
        page.cookies["csrftoken"].value
        if "csrftoken" in page.cookies
        else browser.cookies["csrftoken"].value
    )

    response = browser.post(reverse("notifications:mark_all_read"), {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert Notification.objects.get(pk=values.notifications[admin.pk].pk).read_at is not None
