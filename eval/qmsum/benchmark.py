"""`python -m eval.qmsum`: ingest the meetings, search every query, write qmsum.md and .json."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eval import qmsum
from eval.errors import DatasetError
from eval.paths import QMSUM_VAL, shown, write_results
from eval.qmsum.data import DOMAINS, Meeting, load_dataset
from eval.qmsum.metrics import K
from eval.qmsum.runner import Benchmark, run
from eval.qmsum.writeup import write_up
from ingest import IngestSummary, ingest
from retrieval import Assistant
from webinar_rag.core import Settings, WebinarRagError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.qmsum", description=qmsum.__doc__)
    parser.add_argument("--data", type=Path, default=QMSUM_VAL, help="QMSum val folder")
    parser.add_argument("--out", type=Path, help="write qmsum.md and qmsum.json here")
    parser.add_argument(
        "--index",
        type=Path,
        help="index folder to build or bring up to date, and reuse between runs "
        "(default: a fresh one in a temporary folder)",
    )
    parser.add_argument("--limit-meetings", type=int, help="only the first N meetings (by name)")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    try:
        meetings, skipped = load_dataset(args.data, args.limit_meetings)
        with ExitStack() as stack:
            folder = args.index or Path(
                stack.enter_context(tempfile.TemporaryDirectory(prefix="qmsum-index-"))
            )
            # Its own index folder: never the configured store (WEBINAR_RAG_STORE).
            settings = Settings.from_env(parts=("models", "query"))
            settings = settings.at_index(folder / "index" if args.index is None else folder)
            ingested = build(meetings, settings)
            loading = time.perf_counter()
            # The cross-encoder loads with its own mode (`runner.mode_assistants`), not here.
            assistant = Assistant.load(settings.changed(rerank_model=None))
            bench = Benchmark(assistant, meetings, settings.models.rerank_model)
            load_s = time.perf_counter() - loading
            outcome = run(bench, [q for m in meetings for q in m.queries])
    except WebinarRagError as exc:
        print(f"eval.qmsum: error: {exc}", file=sys.stderr)
        return 2
    summary = {
        "benchmark": "QMSum val, specific queries, evidence-turn retrieval through the product",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "data": shown(args.data),
        "meetings": len(meetings),
        "queries": sum(len(m.queries) for m in meetings),
        "skipped_queries": len(skipped),
        "skipped": [asdict(s) for s in skipped],
        "domains": _domains(meetings),
        "k": K,
        "index": bench.describe(),
        "ingest": {
            "index": shown(args.index) if args.index else None,
            "up_to_date": ingested.up_to_date,
            "seconds": round(ingested.seconds, 1),
            "stages": ingested.stages,
        },
    } | outcome
    summary["runtime_s"] = {
        "ingest": round(ingested.seconds, 1),
        "load": round(load_s, 1),
        "total": round(time.perf_counter() - began, 1),
    }
    write_results(args.out, "qmsum", write_up(summary), summary)
    return 0


def build(meetings: Sequence[Meeting], settings: Settings) -> IngestSummary:
    """Ingest the meeting files into the settings' index; it must hold exactly them (pooled
    search over other documents would score something else)."""
    files = [m.path for m in meetings]
    report = ingest(files, settings, progress=True)
    if report.failed:
        raise DatasetError(f"Ingest failed for {report.failed[0].name}: {report.failed[0].error}")
    extra = sorted(set(report.sources) - {f.name for f in files})
    if extra:
        raise DatasetError(
            f"The index at {settings.index.index_dir} also holds {len(extra)} other document(s) "
            f"({', '.join(extra[:3])}). Use an empty --index folder, or none."
        )
    return report


def _domains(meetings: Sequence[Meeting]) -> dict[str, Any]:
    return {
        d: {
            "meetings": sum(m.domain == d for m in meetings),
            "queries": sum(len(m.queries) for m in meetings if m.domain == d),
        }
        for d in [*DOMAINS, "Other"]
        if any(m.domain == d for m in meetings)
    }
