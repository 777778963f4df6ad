"""`python -m eval.qmsum`: load the data set, run the benchmark, write qmsum.md and qmsum.json."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from eval import qmsum
from eval.paths import QMSUM_VAL, shown
from eval.qmsum.data import DOMAINS, load_dataset
from eval.qmsum.index import Chunking
from eval.qmsum.metrics import K
from eval.qmsum.report import report
from eval.qmsum.runner import run
from ingest import DatasetError, default_model_path, load_embedder


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.qmsum", description=qmsum.__doc__)
    parser.add_argument("--data", type=Path, default=QMSUM_VAL, help="QMSum val folder")
    parser.add_argument("--out", type=Path, help="write qmsum.md and qmsum.json here")
    parser.add_argument("--limit-meetings", type=int, help="only the first N meetings (by name)")
    parser.add_argument("--window", type=int, default=3, help="turns per window (default 3)")
    parser.add_argument("--stride", type=int, default=2, help="window stride (default 2)")
    args = parser.parse_args(argv)
    if args.window < 1 or not 1 <= args.stride <= args.window:
        parser.error("need --window >= 1 and 1 <= --stride <= --window")
    try:
        meetings, skipped = load_dataset(args.data, args.limit_meetings)
    except DatasetError as exc:
        print(f"eval.qmsum: error: {exc}", file=sys.stderr)
        return 2
    embedder = load_embedder(default_model_path())
    chunkings = [
        Chunking("turns"),
        Chunking(f"windows{args.window}s{args.stride}", args.window, args.stride),
    ]
    outcome = run(meetings, embedder, chunkings)
    domains = {
        d: {
            "meetings": sum(m.domain == d for m in meetings),
            "queries": sum(len(m.queries) for m in meetings if m.domain == d),
        }
        for d in [*DOMAINS, "Other"]
        if any(m.domain == d for m in meetings)
    }
    summary = {
        "benchmark": "QMSum val, specific queries, evidence-turn retrieval",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "data": shown(args.data),
        "meetings": len(meetings),
        "queries": sum(len(m.queries) for m in meetings),
        "skipped_queries": len(skipped),
        "skipped": [asdict(s) for s in skipped],
        "domains": domains,
        "model": embedder.name,
        "k": K,
    } | outcome
    text = report(summary)
    print(text)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "qmsum.md").write_text(text, encoding="utf-8")
        (args.out / "qmsum.json").write_text(
            json.dumps(summary, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return 0
