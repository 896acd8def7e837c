from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.services import audit_verify


class Command(BaseCommand):
    help = (
        "Check the audit trail's hash chain; name the first row that breaks it and exit non-zero."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--chunk-size", type=int, default=2000, help="Rows read from the database at a time."
        )

    def handle(self, *args: object, chunk_size: int, **options: object) -> None:
        report = audit_verify(chunk_size=max(1, chunk_size))
        if not report.ok:
            raise CommandError(report.message, returncode=1)
        self.stdout.write(f"The audit trail is intact: {report.rows_verified} rows verified.")
