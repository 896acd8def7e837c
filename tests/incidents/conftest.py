from __future__ import annotations

import pytest

from policies.services import register_load
from tests.samples import report_form_data


@pytest.fixture
def policy_register(db) -> None:
    register_load()


@pytest.fixture
def report_data():
    """A complete, valid report form submission; tests change what they test."""
    return report_form_data
