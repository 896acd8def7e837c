from __future__ import annotations

from django.core.management.base import BaseCommand

from demo.services import demo_seed


class Command(BaseCommand):
    help = "Load the policy register and a demo organisation with a login for every role. Safe to run again."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--no-reports", action="store_true", help="Don't create the demo reports."
        )

    def handle(self, *args: object, **options: object) -> None:
        result = demo_seed(with_reports=not options["no_reports"])
        self.stdout.write(
            f"Demo ready: {result.people_created} people and {result.reports_created} reports added "
            "(0 means they were already there)."
        )
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {result.logins[0][2]})")
        width = max(len(role) for role, _, _ in result.logins)
        for role, email, _ in result.logins:
            self.stdout.write(f"  {role.ljust(width)}  {email}")
