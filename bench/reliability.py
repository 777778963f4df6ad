"""Reliability, measured: crashes, concurrency, load, memory, LLM faults and hostile input.

    python -m bench.reliability [--trials 50] [--per-level 300] [--out docs/reliability.md]
    python -m bench.reliability --only faults     # one section (crash, queries, faults, files)

Writes the tables of docs/reliability.md (and the raw figures beside it, as JSON). With
`--only`, the other sections' figures are kept from the JSON of the last run, and the page says
which command measured which section. Every figure
comes from this run on this machine; latency ratios are against the one-client level measured
in the same run. The tests assert the same behaviour at a smaller scale, never the timings.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from eval.paths import save_json, save_text
from tests.support import crash, load
from tests.support.fault_server import MODEL_ALIAS, FaultServer
from tests.support.forkcli import ForkCLI
from tests.support.hostile import QUESTIONS, api_face, cli_face, python_face, ui_face

ROOT = Path(__file__).resolve().parent.parent
LEVELS = (1, 4, 16, 64)
FAULTS = ("500", "429", "garbage", "empty", "cut", "401")
SECTIONS = {  # a section's name -> the keys of the figures it measures
    "crash": ("crash", "together"),
    "queries": ("python", "api", "memory", "hostile", "faults", "llm"),
    "faults": ("broken",),
    "files": ("files",),
}


def measure(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"machine": f"{platform.machine()}, {os.cpu_count()} CPUs"}
    began = time.perf_counter()
    if "crash" in args.only:
        with ForkCLI(log_dir=work) as runner:
            at = crash.scene(runner, work / "crash")
            out["crash"] = crash.crash_trials(runner, at, args.trials, seed=1).to_dict()
            out["together"] = asdict(crash.together(runner, at))
        print(f"crash trials done in {time.perf_counter() - began:.0f} s", flush=True)
    if "queries" in args.only:
        out |= queries(args, work)
    if "faults" in args.only:
        from bench import faults

        (work / "faults").mkdir()
        out["broken"] = faults.measure(work / "faults", args.pg_trials)
    if "files" in args.only:
        from bench import hostile_files

        out["files"] = hostile_files.measure(work / "files")
    out["seconds"] = round(time.perf_counter() - began)
    return out


def queries(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    from gradio_client import Client

    from eval.local_llm import local_llm
    from ingest import ingest
    from retrieval import Assistant
    from webinar_rag.core import IndexSettings, IngestSettings, LLMSettings, QuerySettings, Settings
    from webinar_rag.models import load_embedder

    out: dict[str, Any] = {}
    corpus = ROOT / "corpus"
    settings = Settings(
        index=IndexSettings(index_dir=work / "index" / "index"),
        ingest=IngestSettings(corpus=corpus),
        query=QuerySettings(backend="extractive"),
        llm=LLMSettings(),
    )
    embedder = load_embedder(settings.models)
    ingest([corpus], settings, embedder=embedder)
    assistant = Assistant.load(settings)
    pool = load.questions()
    expected = load.reference(lambda q: assistant.ask(q).to_dict(), pool)

    def python(n: int) -> load.Ask:
        return lambda q: assistant.ask(q).to_dict()

    levels = load.levels(python, LEVELS, args.per_level, pool, expected)
    out["python"] = [asdict(level) for level in levels]
    print("python levels done", flush=True)
    with load.served(assistant) as url:

        def api(n: int) -> load.Ask:
            client = Client(url, verbose=False)
            return lambda q: client.predict(q, api_name="/ask")

        out["api"] = [asdict(x) for x in load.levels(api, LEVELS, args.per_level, pool, expected)]
        print("api levels done", flush=True)
        out["memory"] = {
            "python": load.memory(python, pool, total=1000, clients=4).to_dict(),
            "api": load.memory(api, pool, total=1000, clients=4).to_dict(),
        }
        print("memory done", flush=True)
        client = Client(url, verbose=False)
        out["hostile"] = [
            {
                "case": c.name,
                "input": c.shown,
                "expected": c.expected,
                "faces": {
                    "python": asdict(python_face(assistant, c.question)),
                    "cli": asdict(cli_face(settings.index.index_dir, c.question)),
                    "api": asdict(api_face(client, c.question)),
                    "ui": asdict(ui_face(assistant, c.question)),
                },
            }
            for c in QUESTIONS
        ]
    server = FaultServer(slow_seconds=2.0)
    try:
        llm = LLMSettings(base_url=server.base_url, api_key="sk-test", model=MODEL_ALIAS)
        faulty = assistant.with_settings(llm=replace(llm, max_retries=0), backend="llm")
        out["faults"] = {}
        for mode in FAULTS:
            server.serve(mode)
            ask = lambda n: lambda q: faulty.ask(q).to_dict()  # noqa: E731
            done = load.levels(ask, (1, 16), args.llm_per_level, pool)
            out["faults"][mode] = [asdict(x) for x in done]
    finally:
        server.close()
    print("faults done", flush=True)
    if not args.skip_llm:
        with local_llm() as base_url:
            llm = LLMSettings(base_url=base_url, model=MODEL_ALIAS, timeout=120, max_retries=1)
            real = assistant.with_settings(llm=llm, backend="llm")
            ask = lambda n: lambda q: real.ask(q).to_dict()  # noqa: E731
            out["llm"] = [asdict(x) for x in load.levels(ask, (1, 4), args.llm_per_level, pool)]
        print("llm done", flush=True)
    return out


def without_folder(figures: dict[str, Any], folder: str) -> dict[str, Any]:
    """The figures with the run's temporary folder written as `…` (committed files carry no
    machine paths)."""
    return dict(json.loads(json.dumps(figures).replace(folder, "…")))


def merged(
    previous: Path, measured: dict[str, Any], command: str, sections: set[str], partial: bool
) -> dict[str, Any]:
    """This run's sections over the last run's figures (a partial run keeps the others), and
    which command measured each section, in how many seconds."""
    if not partial:
        runs = {s: {"command": command, "seconds": measured["seconds"]} for s in SECTIONS}
        return measured | {"command": command, "runs": runs}
    figures = dict(json.loads(previous.read_text(encoding="utf-8")))
    figures.setdefault("runs", {})
    for section in SECTIONS:  # a section the last full run measured, before `runs` existed
        if any(k in figures for k in SECTIONS[section]):
            figures["runs"].setdefault(
                section, {"command": figures["command"], "seconds": figures["seconds"]}
            )
    for section in sections:
        for key in SECTIONS[section]:
            figures.pop(key, None)
            if key in measured:
                figures[key] = measured[key]
        figures["runs"][section] = {"command": command, "seconds": measured["seconds"]}
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reliability", description=__doc__)
    parser.add_argument("--trials", type=int, default=50, help="kill -9 trials")
    parser.add_argument("--per-level", type=int, default=300, help="questions per load level")
    parser.add_argument("--llm-per-level", type=int, default=24, help="the same, with an LLM")
    parser.add_argument("--skip-llm", action="store_true", help="no llama.cpp server")
    parser.add_argument("--pg-trials", type=int, default=3, help="PostgreSQL kills (faults)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "reliability.md")
    parser.add_argument(
        "--only", action="append", choices=sorted(SECTIONS), help="measure only this section"
    )
    argv = sys.argv[1:] if argv is None else argv  # the command as run, for the page
    args = parser.parse_args(argv)
    partial = args.only is not None
    args.only = set(args.only or SECTIONS)
    with tempfile.TemporaryDirectory(prefix="reliability-") as tmp:
        measured = without_folder(measure(args, Path(tmp)), tmp)
    command = " ".join(["python -m bench.reliability", *argv])
    figures = merged(args.out.with_suffix(".json"), measured, command, args.only, partial)
    save_json(args.out.with_suffix(".json"), figures)
    from bench.writeup import markdown

    save_text(args.out, markdown(figures))
    print(f"wrote {args.out} and {args.out.with_suffix('.json')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
