"""Pure email rendering: a kind and its data in, a subject and two bodies out.

Most notifications are rendered when they are written. Those written in bulk (the deadline
sweep's reminders) store only their subject and the data their bodies need (``render_context``,
JSON); the delivery task renders the bodies when it sends the email.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils.dateparse import parse_datetime


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


def notification_render(*, kind: str, context: Mapping[str, object]) -> RenderedMessage:
    text, html = notification_render_bodies(kind=kind, context=context)
    return RenderedMessage(
        subject=notification_render_subject(kind=kind, context=context), text=text, html=html
    )


def notification_render_bodies(*, kind: str, context: Mapping[str, object]) -> tuple[str, str]:
    """The plain-text body (not HTML-escaped) and the HTML body."""
    base = f"notifications/email/{kind}"
    return (
        plain_text_render(f"{base}/body.txt", context),
        render_to_string(f"{base}/body.html", dict(context)),
    )


def notification_render_subject(*, kind: str, context: Mapping[str, object]) -> str:
    subject = plain_text_render(f"notifications/email/{kind}/subject.txt", context)
    return " ".join(subject.split())[:200]


def plain_text_render(name: str, context: Mapping[str, object]) -> str:
    """A template rendered as plain text, without HTML escaping.

    A subject line and a text body are not HTML: escaped, "Line manager's decision" reads
    "Line manager&#x27;s decision" in the email and, once the page escapes it again, in the
    inbox. Only the HTML body is escaped (the page showing a subject escapes it itself).
    """
    template = get_template(name)
    return template.template.render(Context(dict(context), autoescape=False))  # type: ignore[attr-defined]


# A moment keeps its type through JSON as {"moment": "<ISO 8601>"}, so templates get a datetime.
_MOMENT = "moment"


def render_context_dump(context: Mapping[str, object]) -> dict[str, object]:
    """``context`` as JSON can hold it: strings, numbers, booleans, None and moments."""
    stored: dict[str, object] = {}
    for key, value in context.items():
        if isinstance(value, dt.datetime):
            stored[key] = {_MOMENT: value.isoformat()}
        elif value is None or isinstance(value, str | int | float | bool):
            stored[key] = value
        else:
            raise TypeError(f"{key}: {type(value).__name__} can't be stored to render later")
    return stored


# What a kind's email needs that must never be stored (a link to set a password), made for its
# recipient (by id) when the email is sent. The app that owns the link registers the maker.
SendTimeContext = Callable[[int], Mapping[str, object]]
_send_time_makers: dict[str, SendTimeContext] = {}


def send_time_context_register(kind: str, make: SendTimeContext) -> None:
    _send_time_makers[kind] = make


def send_time_context(*, kind: str, recipient_id: int) -> Mapping[str, object]:
    """What ``kind``'s email adds when it is sent (nothing for most kinds).

    An account email without its link would be useless, so a missing maker is an error rather
    than an email sent without one.
    """
    from notifications.models import ACCOUNT_KINDS

    make = _send_time_makers.get(kind)
    if make is None:
        if kind in ACCOUNT_KINDS:
            raise LookupError(f"nothing makes the link of {kind} emails")
        return {}
    return make(recipient_id)


def render_context_load(stored: Mapping[str, object]) -> dict[str, object]:
    context: dict[str, object] = {}
    for key, value in stored.items():
        if isinstance(value, dict) and set(value) == {_MOMENT}:
            context[key] = parse_datetime(str(value[_MOMENT]))
        else:
            context[key] = value
    return context
