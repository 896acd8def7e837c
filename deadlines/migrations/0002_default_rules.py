from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import migrations

from deadlines.defaults import DEFAULT_RULES

if TYPE_CHECKING:
    from django.apps.registry import Apps
    from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def add_defaults(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    rule = apps.get_model("deadlines", "DeadlineRule")
    for clock, (unit, allowed, remind_before, escalate_after) in DEFAULT_RULES.items():
        rule.objects.get_or_create(
            clock=clock,
            defaults={
                "unit": unit,
                "allowed": allowed,
                "remind_before": remind_before,
                "escalate_after": escalate_after,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
