"""List (and with --delete remove) evidence files older than a day that no report points to."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from incidents.orphans import evidence_orphan_remove, evidence_orphans_find
from kit.downloads import size_text


class Command(BaseCommand):
    help = (
        "Find files in the evidence store, older than a day, that no evidence row points to. "
        "Lists them by default; --delete removes them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--delete", action="store_true", help="Remove the files listed (default: only list)."
        )

    def handle(self, *args: Any, delete: bool = False, **options: Any) -> None:
        count = removed = size = 0
        for orphan in evidence_orphans_find():
            count += 1
            size += orphan.size
            modified = timezone.localtime(orphan.modified).strftime("%Y-%m-%d %H:%M %Z")
            if delete:
                done = evidence_orphan_remove(orphan=orphan)
                removed += done
                verb = "removed" if done else "kept (now referenced or gone)"
                self.stdout.write(f"{verb}: {orphan.name} ({size_text(orphan.size)}, {modified})")
            else:
                self.stdout.write(
                    f"would remove: {orphan.name} ({size_text(orphan.size)}, {modified})"
                )
        if delete:
            self.stdout.write(f"{removed} orphan file(s) removed, of {count} found.")
        elif count:
            self.stdout.write(
                f"{count} orphan file(s), {size_text(size)}. Nothing removed: "
                "run again with --delete to remove them."
            )
        else:
            self.stdout.write("No orphan files.")
