"""The README's state diagram is the code's: regenerate it when a transition changes."""

from __future__ import annotations

from casework.diagram import README_END, README_START, readme_path, state_diagram_mermaid
from casework.models import Case


def test_the_readme_diagram_matches_the_transitions_in_the_code() -> None:
    readme = readme_path().read_text(encoding="utf-8")
    block = readme.split(README_START, 1)[1].split(README_END, 1)[0]
    assert block.strip() == f"```mermaid\n{state_diagram_mermaid()}```", (
        "The README's state diagram is out of date: run `python manage.py state_diagram --write`."
    )


def test_every_transition_is_drawn() -> None:
    diagram = state_diagram_mermaid()
    names = {t.name for t in Case._meta.get_field("state").get_all_transitions(Case)}
    assert names == {
        "withdraw",
        "start_triage",
        "dismiss",
        "route_to_manager",
        "escalate",
        "resolve_informally",
        "request_investigation",
        "assign",
        "submit_findings",
        "record_outcome",
        "reopen",
    }
    for name in names:
        assert f": {name} (" in diagram
