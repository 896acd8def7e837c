from __future__ import annotations

from collections.abc import Iterator

import pytest

from policies.services import register_load
from tests.incidents.helpers import SmallDisk
from tests.samples import report_form_data


@pytest.fixture
def policy_register(db) -> None:
    register_load()


@pytest.fixture
def report_data():
    """A complete, valid report form submission; tests change what they test."""
    return report_form_data


@pytest.fixture
def small_disk(settings, tmp_path) -> Iterator[SmallDisk]:
    """The evidence store on its own tmpfs of 32 pages (128 KB), unmounted after the test."""
    disk = SmallDisk(tmp_path / "small-disk")
    settings.EVIDENCE_ROOT = disk.path
    yield disk
    disk.unmount()
