from __future__ import annotations

from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    verbose_name = "Organisations"
    name = "organisations"
