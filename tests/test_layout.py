"""Imports point upstream only; the faces (app, CLI, ui) and eval use only the public API of
the packages they stand on: `from ingest import X` with X in the root's `__all__`.

corpus -> ingest -> retrieval -> {ui -> app.py, cli} ; eval reads answers, never internals
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import ui

import ingest
import retrieval
from tests.support.seed import ROOT

PACKAGES = ("ingest", "retrieval", "eval", "ui", "cli")  # folders
SCRIPTS = ("app",)  # single-file modules at the root
FACES = ("cli", "app", "ui")
FIRST_PARTY = (*PACKAGES, *SCRIPTS)
# What each layer must never import.
FORBIDDEN = {
    "ingest": {"retrieval", "eval", *FACES},
    "retrieval": {"eval", *FACES},
    "eval": set(FACES),
    "ui": {"cli", "app"},  # app serves the ui package, never the reverse
}


def modules() -> dict[str, Path]:
    """Module name -> file, for every module of the packages plus app.py."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    for script in SCRIPTS:
        found[script] = ROOT / f"{script}.py"
    return found


def exported(package: str) -> set[str]:
    """The names in a package's literal `__all__`, read from its source (nothing imported)."""
    tree = ast.parse((ROOT / package / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return set(ast.literal_eval(node.value))
    return set()


MODULES = modules()
# A face imports these packages from their root, and only the names in their __all__.
PUBLIC = {package: exported(package) for package in ("ingest", "retrieval", "ui")}


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
        what = f"{target}{'.' + name if name else ''}"
        if top in FORBIDDEN.get(layer, set()):
            problems.append(f"{module} imports {what} (downstream)")
        if layer in ("eval", *FACES) and top in FIRST_PARTY and top != layer:
            private = [p for p in target.split(".") if p.startswith("_") and p != "__init__"]
            if private or (name and name.startswith("_")):
                problems.append(f"{module} imports private {target}.{name}")
        if layer in (*FACES, "eval") and top in PUBLIC and top != layer:
            if target != top:
                problems.append(f"{module} imports {what}, not from the {top} package root")
            elif name and name not in PUBLIC[top]:
                problems.append(f"{module} imports {what}, which is not in {top}.__all__")
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
        "ui",
        "ui.render",
        "ui.layout",
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
        ("ingest.index", "import ui\n"),
        ("retrieval.assistant", "from ui.render import answer_html\n"),
        ("eval.run", "from ui import build_app\n"),
        ("ui.layout", "import app\n"),
        ("ui.render", "from cli import main\n"),
        ("ui.render", "from retrieval.types import Answer\n"),
        ("ui.layout", "import retrieval.assistant\n"),
        ("ui.render", "from ingest import chunk_id\n"),
        ("app", "from ui.layout import Chat\n"),
        ("cli", "from retrieval.settings import LLMSettings\n"),
    ],
)
def test_the_checker_catches_what_it_forbids(module: str, source: str) -> None:
    assert violations(module, source)


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("ui.render", "from ingest import Source\nfrom retrieval import Answer, Citation\n"),
        ("ui.layout", "import retrieval\nfrom ui.render import answer_html\n"),
        ("ui.layout", "from .render import _text\n"),  # its own package: private is fine
        ("app", "from ui import build_app\n"),
        ("cli", "from app import serve\n"),
        ("retrieval.answerer", "from ingest.chunks import Chunk\n"),
    ],
)
def test_the_checker_lets_public_and_upstream_imports_pass(module: str, source: str) -> None:
    assert violations(module, source) == []


def test_public_api_is_exported() -> None:
    """The names the faces rely on stay importable from the package roots."""
    assert {
        "ingest",
        "IngestSettings",
        "IngestSummary",
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
    assert {"Assistant", "Answer", "Citation", "Hit", "Settings", "REFUSAL"} <= set(
        retrieval.__all__
    )
    assert {"build_app", "CSS", "THEME"} <= set(ui.__all__)
    for package in (ingest, retrieval, ui):
        assert set(package.__all__) == PUBLIC[package.__name__]  # the checker reads these
        for name in package.__all__:
            assert hasattr(package, name), f"{package.__name__}.__all__ names missing {name}"
