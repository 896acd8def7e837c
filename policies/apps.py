from __future__ import annotations

from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    verbose_name = "Policy register"
    name = "policies"
