from __future__ import annotations

from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "casework"

    def ready(self) -> None:
        from casework.navigation import access_links
        from directory.navigation import navigation_section_add

        navigation_section_add(access_links)
