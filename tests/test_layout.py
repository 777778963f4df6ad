"""The house's shape, checked from the source: layers import downward only, with no cycles;
the faces, the evaluation and the benchmarks use public names only; no module is over 300
lines; the environment is read in one settings module and written nowhere; importing changes
nothing; the installed distribution's top-level names cannot collide with other projects'.

    webinar_rag.core -> webinar_rag.models, webinar_rag.store -> ingest, retrieval
        -> eval, faces (webinar_rag.cli, webinar_rag.ui, webinar_rag.mcp, app.py) -> bench
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from importlib.metadata import distribution
from pathlib import Path

import pytest

import ingest
import retrieval
import webinar_rag.core
import webinar_rag.models
import webinar_rag.store
import webinar_rag.ui
from tests.support.seed import CORPUS_FILE, ROOT

PRODUCT = ("webinar_rag", "ingest", "retrieval", "eval")  # packages (folders)
SCRIPTS = ("app",)  # single-file modules at the root
CHECKED = (*PRODUCT, "bench")
LAYERS = {  # a module's layer -> the layers it may import
    "webinar_rag.core": set(),
    "webinar_rag.models": {"webinar_rag.core"},
    "webinar_rag.store": {"webinar_rag.core"},
    "ingest": {"webinar_rag.core", "webinar_rag.models", "webinar_rag.store"},
    "retrieval": {"webinar_rag.core", "webinar_rag.models", "webinar_rag.store"},
    "eval": {"webinar_rag.core", "webinar_rag.models", "webinar_rag.store", "ingest", "retrieval"},
    "webinar_rag.ui": {
        "webinar_rag.core",
        "webinar_rag.models",
        "webinar_rag.store",
        "ingest",
        "retrieval",
        "eval",
    },
    "webinar_rag.mcp": {
        "webinar_rag.core",
        "webinar_rag.models",
        "webinar_rag.store",
        "ingest",
        "retrieval",
    },
    "webinar_rag.cli": {
        "webinar_rag.core",
        "webinar_rag.models",
        "webinar_rag.store",
        "ingest",
        "retrieval",
        "eval",
        "webinar_rag.ui",
        "webinar_rag.mcp",
    },
    "app": {"webinar_rag.ui"},
    "bench": {
        "webinar_rag.core",
        "webinar_rag.models",
        "webinar_rag.store",
        "ingest",
        "retrieval",
        "eval",
        "webinar_rag.ui",
        "webinar_rag.cli",
        "tests",
    },
}
# Layers whose imports of other layers go through package roots and their `__all__` only.
PUBLIC_ONLY = {"eval", "webinar_rag.ui", "webinar_rag.mcp", "webinar_rag.cli", "app", "bench"}
ROOTS = (
    "webinar_rag.core",
    "webinar_rag.models",
    "webinar_rag.store",
    "ingest",
    "retrieval",
    "webinar_rag.ui",
    "webinar_rag.mcp",
    "webinar_rag.cli",
)
ENVIRONMENT_MODULE = "webinar_rag.core.settings"
MAX_LINES = 300


def modules() -> dict[str, Path]:
    """Module name -> file, for every module of the checked packages plus app.py."""
    found = {}
    for package in CHECKED:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    for script in SCRIPTS:
        found[script] = ROOT / f"{script}.py"
    return found


MODULES = modules()


def layer(module: str) -> str:
    """The layer a module belongs to: the longest layer name it starts with."""
    names = [n for n in LAYERS if module == n or module.startswith(n + ".")]
    return max(names, key=len) if names else module.split(".")[0]


def exported(package: str) -> set[str]:
    """The names in a package's literal `__all__`, read from its source (nothing imported)."""
    tree = ast.parse(MODULES[package].read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return set(ast.literal_eval(node.value))
    return set()


PUBLIC = {package: exported(package) for package in ROOTS}


def imports(module: str, source: str) -> list[tuple[str, str | None]]:
    """(imported module, imported name or None) for every import, including those inside
    functions and dynamic ones (`import_module("x")`)."""
    is_package = MODULES.get(module, Path()).name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
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


def first_party(target: str) -> bool:
    return target.split(".")[0] in (*PRODUCT, *SCRIPTS, "bench", "tests", "cli", "ui")


def violations(module: str, source: str) -> list[str]:
    own = layer(module)
    problems = []
    for target, name in imports(module, source):
        if not first_party(target):
            continue
        what = f"{target}{'.' + name if name else ''}"
        theirs = layer(target)
        if theirs == own:
            continue
        if theirs not in LAYERS.get(own, set()):
            problems.append(f"{module} imports {what} (layer {theirs} is not below {own})")
            continue
        if own not in PUBLIC_ONLY or theirs == "tests":
            continue
        private = [p for p in target.split(".") if p.startswith("_") and p != "__init__"]
        if private or (name and name.startswith("_")):
            problems.append(f"{module} imports private {what}")
        elif theirs in PUBLIC and target != theirs:
            problems.append(f"{module} imports {what}, not from the {theirs} package root")
        elif theirs in PUBLIC and name and name not in PUBLIC[theirs]:
            problems.append(f"{module} imports {what}, which is not in {theirs}.__all__")
    return problems


def test_every_layer_is_seen() -> None:
    names = set(MODULES)
    assert {
        "webinar_rag.core.settings",
        "webinar_rag.store.folder.index",
        "webinar_rag.models.loading",
        "ingest.flow",
        "ingest.readers.markdown",
        "retrieval.assistant",
        "retrieval.answerer.answerer",
        "eval.run",
        "webinar_rag.cli",
        "webinar_rag.ui.layout",
        "app",
        "bench.reliability",
    } <= names
    assert all(path.is_file() for path in MODULES.values())


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_and_faces_use_public_names(module: str) -> None:
    assert violations(module, MODULES[module].read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("webinar_rag.core.chunks", "from webinar_rag.store import Index\n"),
        ("webinar_rag.core.settings", "import ingest\n"),
        ("webinar_rag.models.spec", "from webinar_rag.store.base import Store\n"),
        ("webinar_rag.store.base", "from webinar_rag.models import Embedder\n"),
        ("webinar_rag.store.folder.index", "from ingest.flow import ingest\n"),
        ("ingest.flow", "from retrieval import Assistant\n"),
        ("ingest.plan", "x = __import__('retrieval.assistant')\n"),
        ("retrieval.assistant", "from ingest import ingest\n"),
        ("retrieval.answerer.answerer", "from eval.metrics import grounded\n"),
        ("retrieval.assistant", "from webinar_rag import cli\n"),
        ("eval.run", "from webinar_rag.cli import main\n"),
        ("eval.metrics", "from retrieval.answerer.answerer import _ASKS_ABOUT_QUESTIONS\n"),
        ("eval.metrics", "from webinar_rag.core.text import normalise\n"),
        ("eval.qmsum.runner", "from retrieval.search import Searcher\n"),
        ("eval.run", "from webinar_rag.store import _private\n"),
        ("webinar_rag.ui.render", "from webinar_rag.cli import main\n"),
        ("webinar_rag.ui.layout", "import app\n"),
        ("webinar_rag.ui.render", "from retrieval.assistant import Assistant\n"),
        ("webinar_rag.ui.render", "from ingest import not_exported\n"),
        ("webinar_rag.cli.asking", "from webinar_rag.core.settings import LLMSettings\n"),
        ("app", "from webinar_rag.ui.layout import build_app\n"),
        ("bench.scale", "from webinar_rag.store.folder.vectors import build\n"),
        ("bench.latency", "from ingest.entities import annotate\n"),
    ],
)
def test_the_checker_catches_what_it_forbids(module: str, source: str) -> None:
    assert violations(module, source)


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("webinar_rag.ui.render", "from webinar_rag.core import Answer, Citation, Source\n"),
        ("webinar_rag.ui.layout", "import retrieval\nfrom webinar_rag.ui.render import x\n"),
        ("webinar_rag.ui.layout", "from .render import _text\n"),  # its own package
        ("app", "from webinar_rag.ui import main\n"),
        ("webinar_rag.cli.asking", "from webinar_rag.ui import serve\n"),
        ("retrieval.answerer.answerer", "from webinar_rag.core import Chunk\n"),
        ("ingest.flow", "from webinar_rag.store.base import Held\n"),  # below, internals ok
        ("bench.crash", "from tests.support.crash import scene\n"),
    ],
)
def test_the_checker_lets_public_and_downward_imports_pass(module: str, source: str) -> None:
    assert violations(module, source) == []


def graph() -> dict[str, set[str]]:
    """Which product module imports which (a package import is an edge to its __init__;
    `from package import submodule` to the submodule)."""
    edges: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        if module.split(".")[0] not in (*PRODUCT, *SCRIPTS):
            continue
        found = set()
        for target, name in imports(module, path.read_text(encoding="utf-8")):
            sub = f"{target}.{name}" if name else target
            if sub in MODULES:
                found.add(sub)
            elif target in MODULES:
                found.add(target)
        edges[module] = found - {module}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles_in_product_code() -> None:
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_one() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("module", sorted(m for m in MODULES if not m.startswith("tests")))
def test_no_module_is_over_the_house_size(module: str) -> None:
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines; split it by what it does"


def environment_uses(source: str) -> list[str]:
    """Reads and writes of the process environment: os.environ, os.getenv, os.putenv."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in {"environ", "getenv", "putenv"}
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        ):
            found.append(f"line {node.lineno}: os.{node.attr}")
        if isinstance(node, ast.ImportFrom) and node.module == "os":
            found += [f"line {node.lineno}: from os import {a.name}" for a in node.names
                      if a.name in {"environ", "getenv", "putenv"}]  # fmt: skip
    return found


@pytest.mark.parametrize(
    "module", sorted(m for m in MODULES if m.split(".")[0] in (*PRODUCT, *SCRIPTS))
)
def test_the_environment_is_read_in_one_settings_module(module: str) -> None:
    uses = environment_uses(MODULES[module].read_text(encoding="utf-8"))
    if module == ENVIRONMENT_MODULE:
        assert uses, "the settings module is where the environment is read"
    else:
        assert uses == [], f"{module} reads the environment; take a settings object instead"


def test_the_settings_module_never_writes_the_environment() -> None:
    tree = ast.parse(MODULES[ENVIRONMENT_MODULE].read_text(encoding="utf-8"))
    writes = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in {"setdefault", "update", "pop", "putenv", "__setitem__", "clear"}
        and "environ" in ast.unparse(node.value)
    ] + [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign | ast.Delete) and "environ[" in ast.unparse(node)
    ]
    assert writes == []


def test_importing_every_module_changes_nothing() -> None:
    """In a fresh interpreter: the environment and every logger's level are the same after
    importing every product module as after importing the libraries they import (some of
    those set their own loggers at import; nothing of ours does anything at import)."""
    names = sorted(m for m in MODULES if m.split(".")[0] in PRODUCT and "__main__" not in m)
    libraries = sorted(
        {
            target.split(".")[0]
            for m in names
            for target, _ in imports(m, MODULES[m].read_text(encoding="utf-8"))
            if target and not first_party(target) and target.split(".")[0] not in sys.modules
        }
        | {"bm25s", "gradio"}
    )
    script = (
        "import importlib.util, json, logging, os\n"
        f"for lib in {libraries!r}:\n"
        "    if importlib.util.find_spec(lib) is not None:\n"
        "        __import__(lib)\n"
        "def levels():\n"
        "    names = ['', *logging.root.manager.loggerDict]\n"
        "    return {n: logging.getLogger(n).level for n in names}\n"
        "env, before = dict(os.environ), levels()\n"
        f"for name in {names!r}:\n"
        "    __import__(name)\n"
        "after = levels()\n"
        "changed = sorted(n for n in before if after[n] != before[n])\n"
        "print(json.dumps({'env': sorted(set(os.environ.items()) ^ set(env.items())), "
        "'loggers': changed}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"env": [], "loggers": []}


def test_the_installed_distribution_has_only_its_own_top_level_names() -> None:
    """The card's packages (ingest, retrieval, eval) and webinar_rag for everything else: no
    bare `core`, `models`, `store`, `cli`, `ui` or `app` in site-packages."""
    top = set(distribution("webinar-rag").read_text("top_level.txt").split())
    assert top == {"eval", "ingest", "retrieval", "webinar_rag"}


def test_product_code_names_no_one_of_the_seed_transcript() -> None:
    """Nothing in the product is keyed on the first corpus: no speaker of the seed report
    (their surnames, read from the report's own speaker headings) appears in its code."""
    from ingest import parse_transcript

    turns = parse_transcript(CORPUS_FILE.read_text(encoding="utf-8"), CORPUS_FILE.name)
    surnames = {t.speaker.split()[-1] for t in turns if t.speaker}
    assert len(surnames) >= 3
    found = [
        f"{module}: {name}"
        for module, path in MODULES.items()
        if module.split(".")[0] in ("webinar_rag", "ingest", "retrieval", "app")
        for name in surnames
        if name.casefold() in path.read_text(encoding="utf-8").casefold()
    ]
    assert found == []


def test_public_api_is_exported() -> None:
    """The names the faces rely on stay importable from the package roots."""
    assert {"ingest", "remove_documents", "IngestSummary", "FileResult", "parse_transcript"} <= set(
        ingest.__all__
    )
    assert {"Assistant", "Request", "REFUSAL", "Searcher"} <= set(retrieval.__all__)
    assert {"Settings", "Answer", "Citation", "Hit", "Chunk", "Turn", "WebinarRagError"} <= set(
        webinar_rag.core.__all__
    )
    assert {"Store", "Writer", "open_store", "open_writer"} <= set(webinar_rag.store.__all__)
    assert {"Embedder", "load_embedder"} <= set(webinar_rag.models.__all__)
    assert {"build_app", "serve", "main"} <= set(webinar_rag.ui.__all__)
    for package in (ingest, retrieval, webinar_rag.core, webinar_rag.models, webinar_rag.store):
        assert set(package.__all__) == PUBLIC[package.__name__]  # the checker reads these
        for name in package.__all__:
            assert hasattr(package, name), f"{package.__name__}.__all__ names missing {name}"
