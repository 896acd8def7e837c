from __future__ import annotations

from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "Records: retention and subject access"

    def ready(self) -> None:
        from records import checks  # noqa: F401 - registers the checks
