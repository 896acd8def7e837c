from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Password accounts"

    def ready(self) -> None:
        from accounts.links import password_link_context
        from notifications.models import ACCOUNT_KINDS
        from notifications.rendering import send_time_context_register

        for kind in ACCOUNT_KINDS:
            send_time_context_register(kind, password_link_context)
