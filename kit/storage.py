"""Files that are never public: evidence, case summaries, committee packs."""

from __future__ import annotations

import os
from contextlib import suppress

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Private file storage: no URL, outside any web root, served only by checked views.

    The location is read from the named setting each time, so it follows the
    setting even when that changes after start-up (as it does in tests).
    """

    def __init__(self, setting_name: str = "EVIDENCE_ROOT") -> None:
        super().__init__(location=None, base_url=None)
        self.setting_name = setting_name

    @property
    def base_location(self) -> str:
        return str(getattr(settings, self.setting_name))

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError(
            "Private files have no public URL; use the permission-checked download view."
        )

    def _save(self, name: str, content: object) -> str:
        """Save, and remove the file again if writing it failed part-way.

        Django leaves a half-written file behind when the disk fills during the
        write; a private file no row points to is data nobody will ever delete.
        The names are generated (random), so the path can only be this save's.
        """
        full_path = self.path(name)
        existed = os.path.lexists(full_path)
        try:
            # django-stubs leave out FileSystemStorage._save, the method a storage overrides.
            return super()._save(name, content)  # type: ignore[misc]
        except BaseException:
            if not existed:
                with suppress(OSError):
                    os.remove(full_path)
            raise

    def deconstruct(self) -> tuple[str, tuple, dict]:
        return ("kit.storage.PrivateStorage", (self.setting_name,), {})
