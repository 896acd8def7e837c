from __future__ import annotations

from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance reporting"

    def ready(self) -> None:
        import governance.checks
        import governance.selectors  # noqa: F401  (connects the receivers that refresh the cached figures)
