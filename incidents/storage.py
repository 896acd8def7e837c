from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class EvidenceStorage(FileSystemStorage):
    """Private storage for evidence files: no URL, outside any web root.

    The location is read from settings each time, so it follows EVIDENCE_ROOT
    even when that changes after start-up (as it does in tests).
    """

    def __init__(self) -> None:
        super().__init__(location=None, base_url=None)

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(settings.EVIDENCE_ROOT)

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("Evidence files have no public URL; use the evidence download view.")

    def deconstruct(self) -> tuple[str, tuple, dict]:
        return ("incidents.storage.EvidenceStorage", (), {})
