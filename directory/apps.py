from __future__ import annotations

from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    verbose_name = "Staff directory"
    name = "directory"
