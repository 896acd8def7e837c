from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from summaries.services import summary_verify


class Command(BaseCommand):
    help = "Check a case summary's fingerprint (or its file's SHA-256) against the summaries Flagpost produced."

    def add_arguments(self, parser) -> None:
        parser.add_argument("fingerprint")

    def handle(self, *args: object, **options: object) -> None:
        summary = summary_verify(fingerprint=str(options["fingerprint"]))
        if summary is None:
            raise CommandError(
                "Not recognised: no summary produced by Flagpost has this fingerprint."
            )
        self.stdout.write(
            f"Genuine: {summary.get_variant_display()} of case {summary.case.reference} "
            f"(revision {summary.case_revision}), produced {summary.completed_at:%Y-%m-%d %H:%M} "
            f"for {summary.requested_by.get_full_name() or summary.requested_by.email}."
        )
