"""Imports point upstream only, and the faces (app, CLI, eval) use public names only.

corpus -> ingest -> retrieval -> {app.py, cli.py} ; eval reads answers, never internals:
it imports ingest and retrieval only through the package roots, by names in their __all__.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ROOT

import ingest
import retrieval

PACKAGES = ("ingest", "retrieval", "eval")
FACES = ("cli", "app")
FIRST_PARTY = (*PACKAGES, *FACES)
# What each layer must never import.
FORBIDDEN = {
    "ingest": {"retrieval", "eval", "cli", "app"},
    "retrieval": {"eval", "cli", "app"},
    "eval": {"cli", "app"},
}
EXPORTED = {"ingest": set(ingest.__all__), "retrieval": set(retrieval.__all__)}


def modules() -> dict[str, Path]:
    """Module name -> file, for every module of the packages plus cli.py and app.py."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    for face in FACES:
        found[face] = ROOT / f"{face}.py"
    return found


MODULES = modules()


def imports(module: str, source: str) -> list[tuple[str, str | None]]:
    """(imported module, imported name or None) for every import, including dynamic ones."""
    package = (
        module if MODULES.get(module, Path()).name == "__init__.py" else (module.rpartition(".")[0])
    )
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found += [(base, alias.name) for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and (
                (isinstance(node.func, ast.Name) and node.func.id == "__import__")
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
            )
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.args[0].value, None))
    return found


def violations(module: str, source: str) -> list[str]:
    layer = module.split(".")[0]
    problems = []
    for target, name in imports(module, source):
        top = target.split(".")[0]
        if top in FORBIDDEN.get(layer, set()):
            problems.append(f"{module} imports {target}{'.' + name if name else ''} (downstream)")
        if layer in ("eval", *FACES) and top in FIRST_PARTY and top != layer:
            private = [p for p in target.split(".") if p.startswith("_") and p != "__init__"]
            if private or (name and name.startswith("_")):
                problems.append(f"{module} imports private {target}.{name}")
        outside_all = top in EXPORTED and (target != top or name not in {None, *EXPORTED[top]})
        if layer == "eval" and outside_all:
            problems.append(
                f"{module} imports {target}.{name}: not `from {top} import` a name in __all__"
            )
    return problems


def test_every_layer_is_seen() -> None:
    names = set(MODULES)
    assert {
        "ingest.turns",
        "ingest.chunks",
        "ingest.index",
        "retrieval.assistant",
        "eval.run",
        "cli",
        "app",
    } <= names
    assert all(path.is_file() for path in MODULES.values())


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_upstream_and_faces_use_public_names(module: str) -> None:
    source = MODULES[module].read_text(encoding="utf-8")
    assert violations(module, source) == []


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("ingest.chunks", "from retrieval.types import Hit\n"),
        ("ingest.index", "import retrieval.assistant\n"),
        ("retrieval.answerer", "from eval.metrics import grounded\n"),
        ("retrieval.assistant", "import cli\n"),
        ("eval.run", "from cli import main\n"),
        ("ingest.pipeline", "x = __import__('retrieval.assistant')\n"),
        ("cli", "from ingest.index import _flat_ip\n"),
        ("app", "from retrieval._private import thing\n"),
        ("eval.metrics", "from retrieval.answerer import _ASKS_ABOUT_QUESTIONS\n"),
        ("eval.metrics", "from ingest.chunks import normalise\n"),
        ("eval.qmsum.runner", "from retrieval.retriever import Searcher\n"),
        ("eval.qmsum.index", "from ingest import chunk_id\n"),
        ("eval.run", "import retrieval.rerank\n"),
    ],
)
def test_the_checker_catches_what_it_forbids(module: str, source: str) -> None:
    assert violations(module, source)


def test_public_api_is_exported() -> None:
    """The names the faces rely on stay importable from the package roots."""
    assert {
        "ingest",
        "IngestSettings",
        "IngestReport",
        "Index",
        "Manifest",
        "Turn",
        "Chunk",
        "parse_transcript",
        "chunk_turns",
        "IndexNotFound",
        "IndexCorrupt",
        "IndexMismatch",
        "CorpusNotFound",
        "TranscriptFormatError",
        "WebinarRagError",
    } <= set(ingest.__all__)
    assert {"Assistant", "Answer", "Citation", "Hit", "Searcher", "Settings", "REFUSAL"} <= set(
        retrieval.__all__
    )
    for package in (ingest, retrieval):
        for name in package.__all__:
            assert hasattr(package, name), f"{package.__name__}.__all__ names missing {name}"
