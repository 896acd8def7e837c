from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.rollup import rollup_differences, rollup_rebuild, rollup_refresh


class Command(BaseCommand):
    help = (
        "Bring the daily counts behind the governance figures up to date. By default counts the cases "
        "changed since the last refresh; --rebuild counts every case again; --check compares the counts "
        "with a count from scratch and fails if they differ."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--rebuild", action="store_true", help="Count every case again from nothing."
        )
        group.add_argument(
            "--check",
            action="store_true",
            help="Compare with a count from scratch; change nothing.",
        )

    def handle(self, *args: object, **options: object) -> None:
        started = time.perf_counter()
        if options["check"]:
            differences = rollup_differences()
            if differences:
                for key, (stored, expected) in sorted(differences.items())[:20]:
                    measure, day, directorate, platform, detail = key
                    self.stderr.write(
                        f"  {measure} {day} directorate={directorate} platform={platform or 'any'} "
                        f"detail={detail or '-'}: {stored} counted, {expected} expected"
                    )
                raise CommandError(
                    f"{len(differences)} daily counts differ from a count from scratch; "
                    "run governance_counts --rebuild to repair them."
                )
            self.stdout.write(
                f"The daily counts match a count from scratch ({time.perf_counter() - started:.1f} s)."
            )
            return
        cases = rollup_rebuild() if options["rebuild"] else rollup_refresh()
        self.stdout.write(f"Counted {cases} cases in {time.perf_counter() - started:.1f} s.")
