"""The default time allowed for each stage (administrators can change them in the admin).

Triage started within 1 working day of the report, triage completed within 3,
the line manager's decision within 5, the investigation within 20 and the
decision within 5; a safeguarding response within 4 hours, and a data-breach
assessment within 72 hours of the organisation becoming aware (the ICO's
limit for a notifiable breach). Reminders come one working day before a
working-day deadline and at half-time on an hour clock; escalation follows
2 working days (or 2 and 12 hours) after a deadline that stays passed.
"""

from __future__ import annotations

# clock: (unit, allowed, remind_before or None for half-time, escalate_after)
DEFAULT_RULES: dict[str, tuple[str, int, int | None, int]] = {
    "triage_start": ("working_days", 1, None, 2),
    "triage_complete": ("working_days", 3, 1, 2),
    "manager_decision": ("working_days", 5, 1, 2),
    "investigation": ("working_days", 20, 1, 2),
    "decision": ("working_days", 5, 1, 2),
    "safeguarding": ("hours", 4, None, 2),
    "data_breach": ("hours", 72, None, 12),
}
