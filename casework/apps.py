from __future__ import annotations

from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "casework"

    def ready(self) -> None:
        from casework.access import DECISION_MAKERS, INVESTIGATORS
        from casework.navigation import access_links
        from directory.navigation import navigation_section_add
        from directory.people import person_scope_register

        navigation_section_add(access_links)
        person_scope_register(INVESTIGATORS, DECISION_MAKERS)
