"""Password account fixtures: the rate limits' counters start empty for every test."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_rate_limits() -> None:
    cache.clear()
