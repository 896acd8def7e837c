"""``manage.py import_staff FILE.csv``: bring the staff directory in line with HR's export."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.services import invitations_send, leavers_tell
from directory.services import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    StaffImportFileError,
    staff_import,
)


class Command(BaseCommand):
    help = (
        "Import or update staff from a CSV file with the columns "
        f"{', '.join(REQUIRED_COLUMNS)} and, optionally, {', '.join(OPTIONAL_COLUMNS)} "
        "(role names separated by semicolons). Good rows are saved; rejected rows are listed "
        "on stderr with their line number. Safe to run again: people are matched on email. "
        "See docs/staff-import-example.csv."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="the staff directory CSV (UTF-8)")
        parser.add_argument(
            "--invite",
            action="store_true",
            help="email each person the import creates a link to set their password",
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="the file is the whole staff list of its people's organisations: anyone of "
            "those organisations missing from it has left (account switched off; the HR leads "
            "are told of their open cases)",
        )
        parser.add_argument(
            "--max-leavers",
            type=int,
            default=None,
            help="with --full, how many may leave in one import (default: a tenth of the "
            "organisations' people)",
        )

    def handle(self, *args: object, **options: object) -> None:
        path = options["file"]
        assert isinstance(path, Path)
        try:
            # utf-8-sig drops the byte-order mark Excel puts at the start of "CSV UTF-8" files.
            with path.open(encoding="utf-8-sig", newline="") as stream:
                result = staff_import(
                    lines=stream,
                    full=bool(options["full"]),
                    leavers_limit=options["max_leavers"],  # type: ignore[arg-type]
                )
        except FileNotFoundError:
            raise CommandError(f"There is no file at {path}.") from None
        except UnicodeDecodeError:
            raise CommandError(
                f'{path} is not UTF-8 text. In Excel, save it as "CSV UTF-8 (Comma delimited)".'
            ) from None
        except OSError as exc:
            raise CommandError(f"Can't read {path}: {exc.strerror or exc}.") from None
        except StaffImportFileError as exc:
            raise CommandError(f"{path}: {exc}") from None

        # Rejected rows don't fail the command: the good rows were saved, and
        # the list on stderr says what to fix before the next run.
        self.stdout.write(
            f"{result.created} created, {result.updated} updated, {result.rejected} rejected"
        )
        for error in result.errors:
            self.stderr.write(f"line {error.line}: {error.reason}")
        if options["full"]:
            self.stdout.write(f"{len(result.left)} marked as having left")
            for person in result.left:
                self.stdout.write(f"  left: {person.email}")
            held = leavers_tell(left=result.left)
            if held:
                self.stdout.write(f"{held} open cases held by them: the HR leads were told")
        if options["invite"]:
            invited = invitations_send(people=result.created_people, by=None)
            self.stdout.write(f"{invited} invited to set a password")
