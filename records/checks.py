"""``manage.py check`` refuses a retention schedule that leaves out a kind of closure or names an unknown one."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

from records.retention import RETENTION_KINDS


@register()
def retention_schedule_check(app_configs: object = None, **kwargs: object) -> list[Error]:
    errors = []
    schedule = getattr(settings, "RETENTION_YEARS", {})
    for kind in schedule:
        if kind not in RETENTION_KINDS:
            errors.append(
                Error(
                    f"RETENTION_YEARS names {kind!r}, which is not a kind of closure.",
                    hint="Use one of: " + ", ".join(RETENTION_KINDS) + ".",
                    id="records.E001",
                )
            )
    for kind, label in RETENTION_KINDS.items():
        years = schedule.get(kind)
        if years is None:
            errors.append(
                Error(f"RETENTION_YEARS has no period for {kind!r} ({label}).", id="records.E002")
            )
        elif years < 1:
            errors.append(
                Error(
                    f"RETENTION_YEARS gives {kind!r} {years} years; the least is 1.",
                    id="records.E003",
                )
            )
    return errors
