"""Deadline fixtures: the clock moved to a chosen moment, and a sweep run there.

Times are written in UTC (``utc(...)``) or London local time (``london(...)``);
``sweep_at`` moves the clock there with time-machine (services read
``timezone.now()``), runs the sweep and executes the on-commit email sends,
so ``mail.outbox`` holds what a real worker would have sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from casework.notices import deadlines_sweep


@pytest.fixture
def now_is(time_machine) -> Callable[[dt.datetime], dt.datetime]:
    """``now_is(moment)`` freezes ``timezone.now()`` at that moment."""

    def move(moment: dt.datetime) -> dt.datetime:
        time_machine.move_to(moment, tick=False)
        return moment

    return move


@pytest.fixture
def sweep_at(now_is, django_capture_on_commit_callbacks) -> Callable[..., int]:
    """``sweep_at(moment)`` runs the beat sweep at that moment and sends its emails."""

    def run(moment: dt.datetime, *, limit: int = 1000) -> int:
        now_is(moment)
        with django_capture_on_commit_callbacks(execute=True):
            return deadlines_sweep(limit=limit)

    return run
