"""The import-linter contracts in pyproject.toml, checked by the suite so a broken layer fails it."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import grimp
import pytest
from importlinter import configuration
from importlinter.application.use_cases import read_user_options
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract

configuration.configure()

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
CONTRACT_TYPES = {"layers": LayersContract, "forbidden": ForbiddenContract}


@functools.cache
def _options() -> Any:
    return read_user_options(str(PYPROJECT))


def _graph() -> grimp.ImportGraph:
    session = _options().session_options
    type_checking_excluded = str(session.get("exclude_type_checking_imports", "")).lower() == "true"
    return grimp.build_graph(
        *session["root_packages"],
        cache_dir=None,
        exclude_type_checking_imports=type_checking_excluded,
    )


def _check(contract_id: str, graph: grimp.ImportGraph) -> Any:
    options = next(c for c in _options().contracts_options if c["id"] == contract_id)
    contract = CONTRACT_TYPES[options["type"]](
        name=options["name"], session_options=_options().session_options, contract_options=options
    )
    return contract.check(graph, verbose=False)


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return _graph()


def _layer_of(package: str) -> int:
    options = next(c for c in _options().contracts_options if c["id"] == "layers")
    for height, layer in enumerate(options["layers"]):
        if package in {name.strip() for name in layer.replace(":", "|").split("|")}:
            return height
    raise AssertionError(f"{package} is in no layer")


@pytest.mark.parametrize("contract_id", [c["id"] for c in _options().contracts_options])
def test_the_code_keeps_the_contract(contract_id, graph) -> None:
    check = _check(contract_id, graph)
    assert check.kept, check.metadata


def test_every_package_is_checked_and_in_a_layer() -> None:
    packages = {p.parent.name for p in PYPROJECT.parent.glob("*/__init__.py")} - {"tests"}
    assert packages == set(_options().session_options["root_packages"])
    for package in packages:
        _layer_of(package)


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("kit.storage", "incidents.models"),
        ("directory.models", "casework.access"),
        ("deadlines.services", "casework.models"),
        ("casework.models", "governance.models"),
    ],
)
def test_an_upward_import_breaks_the_layers(importer, imported) -> None:
    graph = _graph()
    graph.add_import(
        importer=importer, imported=imported, line_number=1, line_contents=f"import {imported}"
    )
    assert not _check("layers", graph).kept


def test_a_model_importing_a_view_breaks_the_screens_contract() -> None:
    graph = _graph()
    graph.add_import(
        importer="casework.models",
        imported="casework.views",
        line_number=1,
        line_contents="import casework.views",
    )
    assert not _check("screens-on-top", graph).kept


@pytest.mark.parametrize("module", ["directory.navigation", "kit"])
def test_the_navigation_and_the_kit_import_no_app_above_them(module, graph) -> None:
    modules = graph.find_descendants(module) | {module} if module == "kit" else {module}
    height = _layer_of(module.split(".")[0])
    reached = set().union(*(graph.find_upstream_modules(m) for m in modules))
    above = sorted(m for m in reached if _layer_of(m.split(".")[0]) < height)
    assert above == []
