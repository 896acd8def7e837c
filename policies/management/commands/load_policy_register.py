"""Load (or refresh) the policy register from ``policies/register.py``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from policies.services import register_load


class Command(BaseCommand):
    help = (
        "Create or update the policies, versions and principles in the policy register. "
        "Safe to run again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = register_load()
        for kind in ("policies", "versions", "principles"):
            self.stdout.write(
                f"{kind}: {result.created[kind]} created, {result.updated[kind]} updated"
            )
        created, updated = result.total_created, result.total_updated
        self.stdout.write(
            self.style.SUCCESS(f"Policy register loaded: {created} created, {updated} updated.")
        )
