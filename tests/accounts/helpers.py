from __future__ import annotations

import re

from django.core.mail import EmailMessage

LINK = re.compile(r"https?://[^/\s]+(/accounts/password/set/[^/\s]+/[^/\s]+/)")


def link_in(message: EmailMessage) -> str:
    """The path of the set-password link in an email's text (the HTML body carries the same)."""
    found = LINK.search(str(message.body))
    assert found, message.body
    html = message.alternatives[0][0]  # type: ignore[attr-defined]
    assert found.group(1) in str(html)
    return found.group(1)
