from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from casework.diagram import readme_path, readme_with_diagram, state_diagram_mermaid


class Command(BaseCommand):
    help = "Print the case state diagram (Mermaid) generated from the transitions; --write updates the README."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--write", action="store_true", help="Replace the diagram block in README.md."
        )

    def handle(self, *args: object, **options: object) -> None:
        if options["write"]:
            path = readme_path()
            path.write_text(readme_with_diagram(path.read_text(encoding="utf-8")), encoding="utf-8")
            self.stdout.write(f"Updated the state diagram in {path}.")
        else:
            self.stdout.write(state_diagram_mermaid(), ending="")
