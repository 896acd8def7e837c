"""Django's ``flush``, able to empty the audit tables on SQLite too.

Emptying the whole database is a deliberate act of whoever runs it (tests do
it between transactional tests); on PostgreSQL it is a TRUNCATE, which the
owner may do and the application's role may not. Rows are never deleted one
by one, here or anywhere else.
"""

from __future__ import annotations

from django.core.management.commands.flush import Command as FlushCommand

from audit.guard import audit_rows_unlocked


class Command(FlushCommand):
    def handle(self, **options: object) -> None:
        with audit_rows_unlocked():
            super().handle(**options)
