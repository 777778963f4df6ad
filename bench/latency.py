"""Query latency of the product beside plain LangChain, in one run: a benchmark, not a test.

    python -m bench.latency [--index DIR] [--all] [--rounds 3] [--out bench/results/latency.json]

The questions: the first 34 answerable ones of eval/questions.jsonl (`--all`: all 89). Each
round puts every question to each pipeline in turn, question by question, so both see the same
load on a shared machine. Pipelines:
- `product`: `Assistant.ask` (offline answer), as shipped: MiniLM through ONNX Runtime and the
  two models of the ensemble side by side, each on one thread;
- `product (torch, one model after the other)`: the same assistant with the query path as it
  was (MiniLM on torch, e5 after it), for the ratio of the change;
- `langchain`: eval/baseline.py (HuggingFaceEmbeddings + LangChain FAISS), on the same text.
Also the parts of the product's time: each model's question embedding, search, answer. Every
answer of the shipped path must equal the old path's, or the script stops.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from eval.paths import print_json

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "eval" / "questions.jsonl"
OUT = ROOT / "bench" / "results" / "latency.json"


def stats(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
        "mean_ms": round(statistics.fmean(ordered), 2),
    }


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = call()
    return (time.perf_counter() - began) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="an index of corpus/ (default: built here)")
    parser.add_argument("--all", action="store_true", help="all 89 questions, not the first 34")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    from eval.baseline import LangChainBaseline
    from ingest import ingest
    from retrieval import Assistant, Request
    from tests.support.seed import settings_at
    from webinar_rag.core import ModelSettings
    from webinar_rag.models import load_embedder, minilm_path

    records = [json.loads(line) for line in QUESTIONS.read_text("utf-8").splitlines() if line]
    if not args.all:
        records = [r for r in records if r.get("answerable", True)][:34]
    questions = [r["question"] for r in records]
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        index = args.index
        if index is None:
            index = Path(tmp) / "index"
        settings = settings_at(index, ROOT / "corpus")  # offline, extractive, explicit
        if args.index is None:
            ingest([ROOT / "corpus"], settings)
        assistant = Assistant.load(settings)
    embedder: Any = assistant.embedder
    models = [e for e, _ in embedder.scaled]
    texts = {name: s.text for name, s in assistant.store.sources.items()}
    baseline = LangChainBaseline(texts, minilm_path())
    minilm = load_embedder(ModelSettings(embed_model=minilm_path()))

    def product(new: bool) -> Callable[[str], Any]:
        def ask(question: str) -> Any:
            embedder.concurrent_queries = new
            minilm.query_engine = "onnx" if new else "torch"  # type: ignore[attr-defined]
            return assistant.ask(question)

        return ask

    pipelines: dict[str, Callable[[str], Any]] = {
        "product": product(True),
        "product (torch, one model after the other)": product(False),
        "langchain": lambda q: baseline.ask(q),
    }
    for question in questions[:3]:  # warm-up: the ONNX export, caches, first-call costs
        for ask in pipelines.values():
            ask(question)
    times: dict[str, list[float]] = {name: [] for name in pipelines}
    parts: dict[str, list[float]] = {f"embed {m.name}": [] for m in models}
    parts |= {"search (dense + bm25 + fusion)": [], "answer (draft)": []}
    for _ in range(args.rounds):
        for question in questions:
            answers = {}
            for name, ask in pipelines.items():
                ms, answers[name] = timed(partial(ask, question))
                times[name].append(ms)
            new, old = answers["product"], answers["product (torch, one model after the other)"]
            if (new.text, new.citations) != (old.text, old.citations):
                raise SystemExit(f"The answers differ for {question!r}: {new.text!r}")
            product(True)  # the parts of the shipped path
            for model in models:
                parts[f"embed {model.name}"].append(timed(partial(model.embed_query, question))[0])
            understood = assistant.understand(Request(question))
            ms, retrieved = timed(partial(assistant.retrieve, understood))
            parts["search (dense + bm25 + fusion)"].append(ms)
            parts["answer (draft)"].append(timed(partial(assistant.draft, retrieved))[0])
    rows = {name: stats(ms) for name, ms in times.items()}
    langchain = rows["langchain"]["p50_ms"]
    for row in rows.values():
        row["ratio_p50_to_langchain"] = round(row["p50_ms"] / langchain, 2)
    result = {
        "questions": f"{'all' if args.all else 'first 34 answerable'} of eval/questions.jsonl",
        "n_questions": len(questions),
        "rounds": args.rounds,
        "cpus": os.cpu_count(),
        "load_average_after": round(os.getloadavg()[0], 2),
        "note": "Pipelines alternate question by question, so they share the machine's load; "
        "the ratio is the figure to compare, absolute times move with the load. 'search' "
        "includes the question's embedding (both models); answers of the two product paths "
        "were checked equal.",
        "pipelines": rows,
        "product_parts": {name: stats(ms) for name, ms in parts.items()},
    }
    print_json(result, args.out)


if __name__ == "__main__":
    main()
