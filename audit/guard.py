"""SQLite's half of the append-only rule.

SQLite has no roles, so its triggers refuse every UPDATE of an audit row,
and every DELETE while ``flagpost_audit_locked()`` says so. That function
exists only on connections Flagpost opens, so any other tool that tries to
delete rows fails too. It answers "unlocked" only inside
``audit_rows_unlocked()``, which ``manage.py flush`` uses to empty the whole
database on purpose (as PostgreSQL's owner may TRUNCATE).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.base.base import BaseDatabaseWrapper

_state = threading.local()


def _locked() -> int:
    return 0 if getattr(_state, "unlocked", False) else 1


@contextmanager
def audit_rows_unlocked() -> Iterator[None]:
    previous = getattr(_state, "unlocked", False)
    _state.unlocked = True
    try:
        yield
    finally:
        _state.unlocked = previous


def sqlite_functions_install(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("flagpost_audit_locked", 0, _locked)
