"""The suite's own layout: fixtures come from conftest files, never by import."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _conftest_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        found += [name for name in names if name.split(".")[-1] == "conftest"]
    return found


def test_no_test_module_imports_a_conftest() -> None:
    # pytest finds fixtures in conftest files; importing one into a module redefines its
    # fixtures there, and a conftest that moves breaks every module that imported it.
    offenders = {
        str(path.relative_to(TESTS)): imports
        for path in sorted(TESTS.rglob("*.py"))
        if (imports := _conftest_imports(path))
    }
    assert offenders == {}


def test_every_app_has_its_tests_folder() -> None:
    root = TESTS.parent
    apps = sorted(path.name for path in root.iterdir() if (path / "apps.py").exists())
    assert apps, "no apps found"
    missing = [app for app in apps if not (TESTS / app).is_dir()]
    assert missing == []
