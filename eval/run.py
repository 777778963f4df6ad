"""Run the assistant over a question file and report retrieval, answer and refusal metrics.

python -m eval [--questions FILE] [--sweep] [--out eval/results]
python -m eval --backend both --local-llm     # extractive vs LLM on the same questions
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

from eval.local_llm import ALIAS, local_llm
from eval.metrics import Record, facts_covered, rank_of_evidence, speakers_match, summarise
from retrieval import Assistant, Settings
from retrieval.questions import read_questions
from retrieval.settings import Backend

DEV_SET = Path(__file__).with_name("questions.jsonl")


def load_questions(path: Path) -> list[Record]:
    questions = read_questions(path)
    for n, q in enumerate(questions, start=1):
        q.setdefault("id", f"q{n}")
        q.setdefault("answerable", True)
    return questions


def run(
    assistant: Assistant, questions: Sequence[Record], backend: Backend = "extractive"
) -> list[tuple[Record, Record]]:
    pairs = []
    for n, q in enumerate(questions, start=1):
        answer = assistant.ask(q["question"], backend=backend)
        pairs.append((q, answer.to_dict(id=q["id"]) | {"removed_claims": answer.removed_claims}))
        print(f"\r{backend}: {n}/{len(questions)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return pairs


def sweep(assistant: Assistant, questions: Sequence[Record]) -> list[dict[str, float]]:
    """Refusal trade-off over thresholds, from each question's best-evidence score."""
    open_assistant = assistant.with_settings(refusal_threshold=-1.0)
    scores = [
        (q["answerable"], open_assistant.ask(q["question"], backend="extractive").confidence)
        for q in questions
    ]
    rows = []
    for step in range(20, 71):
        t = step / 100
        unans = [s < t for a, s in scores if not a]
        ans = [s < t for a, s in scores if a]
        rows.append(
            {
                "threshold": t,
                "refusal_accuracy": sum(unans) / max(len(unans), 1),
                "false_refusal": sum(ans) / max(len(ans), 1),
            }
        )
    return rows


def best_threshold(rows: list[dict[str, float]]) -> float:
    """Youden's J: the threshold that most separates refusing the unanswerable from refusing
    the answerable (refusal accuracy minus false refusal); ties go to the lower threshold."""
    return max(rows, key=lambda r: (r["refusal_accuracy"] - r["false_refusal"], -r["threshold"]))[
        "threshold"
    ]


def failures(pairs: Sequence[tuple[Record, Record]]) -> list[str]:
    lines = []
    for q, a in pairs:
        why = []
        if q["answerable"]:
            if a["refused"]:
                why.append("refused")
            if q.get("evidence") and rank_of_evidence(a, q) is None:
                why.append("evidence not retrieved")
            if not a["refused"] and not facts_covered(a, q):
                why.append("facts missing")
            if not a["refused"] and not speakers_match(a, q):
                cited = sorted({str(c["speaker"]) for c in a["citations"]})
                why.append(f"speakers {cited} != {q.get('speakers') or ['document']}")
        elif not a["refused"]:
            why.append("answered an unanswerable question")
        if why:
            lines.append(
                f"- {q['id']} {q['question']!r}: {'; '.join(why)}. Answer: {a['answer'][:160]!r}"
            )
    return lines


def report(
    results: dict[str, dict[str, Any]],
    fails: dict[str, list[str]],
    settings: Settings,
    sweep_rows: list[dict[str, float]] | None,
) -> str:
    names = list(results)
    lines = [
        "# Evaluation on the development questions",
        "",
        f"Refusal threshold {settings.refusal_threshold}, top-k {settings.top_k} "
        f"({settings.llm_passages} given to the LLM), "
        f"chunker {settings.ingest.chunker.to_dict()}.",
        "",
        "| metric | " + " | ".join(names) + " |",
        "| --- |" + " --- |" * len(names),
    ]
    for key in results[names[0]]:
        cells = [results[n].get(key) for n in names]
        lines.append(f"| {key} | " + " | ".join(_cell(c) for c in cells) + " |")
    if sweep_rows:
        lines += [
            "",
            "## Refusal threshold sweep (the extractive judge, used by every backend)",
            "",
            "| threshold | refusal accuracy | false refusal |",
            "| --- | --- | --- |",
        ]
        lines += [
            f"| {r['threshold']:.2f} | {r['refusal_accuracy']:.3f} | {r['false_refusal']:.3f} |"
            for r in sweep_rows
        ]
        lines += [
            "",
            f"Best by Youden's J (refusal accuracy - false refusal): "
            f"{best_threshold(sweep_rows):.2f}.",
        ]
    for name in names:
        lines += ["", f"## Failures: {name}", "", *(fails[name] or ["none"])]
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return "" if value is None else str(value)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="webinar-rag eval", description=__doc__)
    parser.add_argument("--questions", type=Path, default=DEV_SET)
    parser.add_argument("--index", type=Path, help="index folder (default: settings)")
    parser.add_argument("--out", type=Path, help="write report.md and metrics.json here")
    parser.add_argument("--sweep", action="store_true", help="also sweep the refusal threshold")
    parser.add_argument("--backend", choices=["extractive", "llm", "both"], default="extractive")
    parser.add_argument(
        "--local-llm", action="store_true", help="start the bundled llama.cpp model for the LLM"
    )
    parser.add_argument(
        "--ablation",
        action="store_true",
        help="also score extractive answers with dense-only and BM25-only retrieval",
    )
    args = parser.parse_args(argv)
    settings = Settings()
    if args.index:
        settings = replace(settings, ingest=replace(settings.ingest, index_dir=args.index))
    backends: list[Backend] = ["extractive", "llm"] if args.backend == "both" else [args.backend]
    with ExitStack() as stack:
        if args.local_llm and "llm" in backends:
            url = stack.enter_context(local_llm())
            settings = replace(settings, llm=replace(settings.llm, base_url=url, model=ALIAS))
        questions = load_questions(args.questions)
        began = time.perf_counter()
        assistant = Assistant.load(settings)
        load_s = time.perf_counter() - began
        results: dict[str, dict[str, Any]] = {}
        fails: dict[str, list[str]] = {}
        for backend in backends:
            pairs = run(assistant, questions, backend)
            name = f"llm:{settings.llm.model}" if backend == "llm" else backend
            results[name] = summarise(pairs, assistant.source_text) | {"load_s": load_s}
            fails[name] = failures(pairs)
        for mode in ("dense", "bm25") if args.ablation else ():
            ablated = assistant.with_settings(retrieval_mode=mode)
            pairs = run(ablated, questions)
            name = f"extractive, {mode} only"
            results[name] = summarise(pairs, assistant.source_text) | {"load_s": load_s}
            fails[name] = failures(pairs)
        sweep_rows = sweep(assistant, questions) if args.sweep else None
    text = report(results, fails, settings, sweep_rows)
    print(text)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "report.md").write_text(text, encoding="utf-8")
        (args.out / "metrics.json").write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    return 0
