"""Where evidence files are kept."""

from __future__ import annotations

from kit.storage import PrivateStorage

# The migrations name incidents.storage.PrivateStorage; it is kit's class.
__all__ = ["EvidenceStorage", "PrivateStorage"]


class EvidenceStorage(PrivateStorage):
    """Kept for the migrations that name it; the same as PrivateStorage("EVIDENCE_ROOT")."""

    def __init__(self) -> None:
        super().__init__("EVIDENCE_ROOT")

    def deconstruct(self) -> tuple[str, tuple, dict]:
        return ("incidents.storage.EvidenceStorage", (), {})
