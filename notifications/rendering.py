"""Pure email rendering: a kind and its data in, a subject and two bodies out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.template.loader import render_to_string


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


def notification_render(*, kind: str, context: Mapping[str, object]) -> RenderedMessage:
    base = f"notifications/email/{kind}"
    subject = " ".join(render_to_string(f"{base}/subject.txt", dict(context)).split())
    return RenderedMessage(
        subject=subject[:200],
        text=render_to_string(f"{base}/body.txt", dict(context)),
        html=render_to_string(f"{base}/body.html", dict(context)),
    )
