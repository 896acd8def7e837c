"""Subjects and text bodies are plain text: nothing in them is HTML-escaped."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from notifications.models import Notification, NotificationKind
from notifications.rendering import notification_render
from notifications.services import notification_create
from tests.factories import case_in_state

pytestmark = pytest.mark.django_db

WORDS = "Line manager's decision & <review>"
KINDS = sorted(
    path.name
    for path in (Path(settings.BASE_DIR) / "templates/notifications/email").iterdir()
    if path.is_dir()
)


_NOT_A_DATE = {"year", "month", "day", "hour", "minute", "second", "tzinfo", "utcoffset"}


class Anything:
    """Whatever a template asks of it, it answers with itself, and reads as WORDS."""

    def __getattr__(self, name: str) -> object:
        if name.endswith(("_at", "_on", "deadline")):
            return dt.datetime(2026, 12, 1, 14, 30, tzinfo=dt.UTC)
        if name in _NOT_A_DATE:
            raise AttributeError(name)  # so |date gives "", as for any value that isn't one
        return self

    def __getitem__(self, key: object) -> object:
        return getattr(self, key) if isinstance(key, str) else self

    def __iter__(self):
        return iter([self])

    def __len__(self) -> int:
        return 1

    def __str__(self) -> str:
        return WORDS


def test_every_kind_has_a_template_set() -> None:
    assert set(KINDS) == set(NotificationKind.values)


@pytest.mark.parametrize("kind", KINDS)
def test_subject_and_text_body_keep_apostrophes_ampersands_and_angle_brackets(kind: str) -> None:
    anything = Anything()
    context = {name: anything for name in ("case", "report", "recipient", "clock_label", "pack")}
    rendered = notification_render(kind=kind, context=context)
    for part in (rendered.subject, rendered.text):
        assert html.unescape(part) == part, f"{kind}: escaped text in {part!r}"
    # The HTML body is still escaped.
    assert "&lt;review&gt;" in rendered.html or WORDS not in rendered.html


def test_the_overdue_subject_reads_as_written_in_the_email_and_the_inbox(
    login, cast, django_capture_on_commit_callbacks
) -> None:
    case = case_in_state("manager_review", cast)
    manager = cast.line_manager
    with django_capture_on_commit_callbacks(execute=True):
        notification_create(
            recipient=manager,
            kind=NotificationKind.DEADLINE_OVERDUE,
            context={"clock_label": "Line manager's decision", "case": case, "due_at": None},
            case=case,
        )
    subject = f"Overdue: line manager's decision on case {case.reference}"
    assert Notification.objects.get(recipient=manager).subject == subject
    [email] = mail.outbox
    assert email.subject == subject
    assert '"Line manager\'s decision"' in email.body
    page = login(manager).get(reverse("notifications:inbox")).content.decode()
    assert html.escape(subject) in page  # escaped once, by the page
    assert "&amp;#x27;" not in page
