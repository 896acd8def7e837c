from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from records.retention import retention_until
from records.services import retention_apply


class Command(BaseCommand):
    help = (
        "Remove personal details from closed cases past their retention period (cases on legal hold "
        "are left alone). With --dry-run, list them and change nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be done; change nothing."
        )

    def handle(self, *args: object, dry_run: bool = False, **options: object) -> None:
        result = retention_apply(dry_run=dry_run)
        if not result.due:
            self.stdout.write("No case is past its retention period. Nothing to do.")
            return
        if dry_run:
            self.stdout.write(
                f"{len(result.due)} case(s) would have their personal details removed:"
            )
            for case in result.due:
                how = case.get_closure_display() + (
                    f" ({case.get_outcome_display()})" if case.outcome else ""
                )
                closed = timezone.localdate(case.closed_at)
                until = retention_until(case)
                due = f", due {timezone.localdate(until):%-d %b %Y}" if until else ""
                self.stdout.write(f"  {case.reference}: {how}, closed {closed:%-d %b %Y}{due}")
            self.stdout.write("Dry run: nothing was changed.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Personal details removed from {len(result.anonymised)} case(s); "
                f"{result.files_removed} stored file(s) deleted."
            )
        )
        for reference in result.anonymised:
            self.stdout.write(f"  {reference}")
        for error in result.errors:
            self.stderr.write(f"  {error['case']} was not done: {error['error']}")
        if result.errors:
            self.stderr.write(
                self.style.ERROR(
                    f"{len(result.errors)} case(s) could not be done; they are recorded on retention run "
                    f"{result.run.pk if result.run else ''} and will be tried again next time."
                )
            )
