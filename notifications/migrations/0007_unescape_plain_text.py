"""Subjects and text bodies written before they were rendered as plain text held HTML escapes
("line manager&#x27;s decision"); ``html.unescape`` is the exact inverse of Django's escaping."""

from __future__ import annotations

import html

from django.db import migrations
from django.db.models import Q

BATCH = 2000


def unescape_stored(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    Notification = apps.get_model("notifications", "Notification")
    escaped = Notification.objects.filter(Q(subject__contains="&") | Q(body_text__contains="&"))
    changed = []
    for notification in escaped.only("pk", "subject", "body_text").iterator(chunk_size=BATCH):
        notification.subject = html.unescape(notification.subject)[:200]
        notification.body_text = html.unescape(notification.body_text)
        changed.append(notification)
        if len(changed) >= BATCH:
            Notification.objects.bulk_update(changed, ["subject", "body_text"])
            changed = []
    if changed:
        Notification.objects.bulk_update(changed, ["subject", "body_text"])


class Migration(migrations.Migration):
    dependencies = [("notifications", "0006_inbox_indexes")]

    operations = [migrations.RunPython(unescape_stored, migrations.RunPython.noop)]
