"""`python -m eval.elitr`: ingest the dev transcripts, answer every question, write elitr.md
and elitr.json."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eval import elitr
from eval.elitr.data import TYPES, Question, extract_transcripts, load_questions
from eval.elitr.runner import Row, answer_all, baseline_row, dense_row, judge_row, product_row
from eval.elitr.scoring import TARGETS, Scored, aggregate, met, score
from eval.elitr.writeup import write_up
from eval.errors import DatasetError
from eval.local_llm import ALIAS, MODELS, local_llm
from eval.metrics import Record
from eval.paths import ELITR_DEV, shown, write_results
from eval.qmsum.metrics import paired_difference
from ingest import IngestSummary, ingest
from retrieval import Assistant
from webinar_rag.core import Backend, Settings, WebinarRagError
from webinar_rag.models import load_judge


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    began = time.perf_counter()
    backends: list[Backend] = ["extractive", "llm"] if args.backend == "both" else [args.backend]
    try:
        questions = load_questions(args.data)
        with ExitStack() as stack:
            # Its own index folder: never the configured store (WEBINAR_RAG_STORE).
            settings = Settings.from_env(parts=("models", "query")).changed(backend="extractive")
            if args.local_llm and "llm" in backends:
                url = stack.enter_context(local_llm(args.local_llm))
                settings = replace(settings, llm=replace(settings.llm, base_url=url, model=ALIAS))
            if "llm" in backends:
                settings.llm.require()
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="elitr-")))
            files = extract_transcripts(args.data, work / "transcripts")
            settings = settings.at_index(work / "index")
            ingested = ingest(files, settings, progress=True)
            if ingested.failed:
                raise DatasetError(f"{ingested.failed[0].name}: {ingested.failed[0].error}")
            assistant = Assistant.load(settings)
            rows: list[Row] = [product_row(assistant, b) for b in backends]
            if "extractive" in backends:
                rows += [dense_row(assistant), judge_row(assistant)]
            baseline, baseline_s = baseline_row(assistant, [f.name for f in files])
            answers = answer_all([*rows, baseline], questions)
    except WebinarRagError as exc:
        print(f"eval.elitr: error: {exc}", file=sys.stderr)
        return 2
    command = "python -m eval.elitr " + " ".join(sys.argv[1:] if argv is None else argv)
    summary = {
        "benchmark": "ELITR-Bench dev (qa): questions about one meeting, answered by the product",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command.strip(),
        "data": shown(args.data),
        "meetings": len({q.meeting for q in questions}),
        "questions": len(questions),
        "types": dict(Counter(q.type for q in questions)),
        "index": _index(assistant, ingested),
        "ingest": {"seconds": round(ingested.seconds, 1), "stages": ingested.stages},
        "settings": {
            "refusal_threshold": _bar(settings),
            "top_k": settings.query.top_k,
            "max_quotes": settings.query.max_quotes,
        },
        "targets": {m: {"direction": d, "value": v} for m, (d, v) in TARGETS.items()},
        "configurations": {
            row.name: {"description": row.description}
            | _scores(questions, answers[row.name], row.product, _bar(settings))
            for row in [*rows, baseline]
        },
        "fusion": _fusion(questions, answers, rows),
        "runtime_s": {
            "ingest": round(ingested.seconds, 1),
            "baseline_stores": round(baseline_s, 1),
            "total": round(time.perf_counter() - began, 1),
        },
    }
    write_results(args.out, "elitr", write_up(summary), summary)
    return 0


def _bar(settings: Settings) -> float:
    """The refusal bar the default judge answers with (the configured one, else its own)."""
    q = settings.query
    if q.refusal_threshold is not None:
        return q.refusal_threshold
    return q.weighted_threshold if q.judge == "weighted" else load_judge().threshold


def _scores(
    questions: Sequence[Question], answers: Sequence[Record], product: bool, threshold: float
) -> dict[str, Any]:
    """Aggregates overall, by type, position and meeting; failure ids; targets (product)."""
    rows = [score(q, a) for q, a in zip(questions, answers, strict=True)]

    def by(key: str) -> dict[str, Any]:
        groups: dict[str, list[Scored]] = {}
        for r in rows:
            groups.setdefault(getattr(r.question, key), []).append(r)
        return {k: aggregate(v) for k, v in sorted(groups.items())}

    overall = aggregate(rows)
    out: dict[str, Any] = {
        "all": overall,
        "by_type": {t: v for t, v in ((t, by("type").get(t)) for t in TYPES) if v},
        "by_position": by("position"),
        "by_meeting": by("meeting"),
        "who_outcomes": dict(Counter(r.who for r in rows if r.who is not None)),
        "failures": {
            "refused": [r.question.id for r in rows if r.refused],
            "refused_by_type": {
                t: sum(r.refused for r in rows if r.question.type == t) for t in TYPES
            },
            "refused_with_context": sum(r.refused and bool(r.context_recall) for r in rows),
            "who_missed": {
                outcome: [r.question.id for r in rows if r.who == outcome]
                for outcome in sorted(
                    {r.who for r in rows if r.who} - {"attributed", "responsible"}
                )
            },
            "answered_missed_context": [
                r.question.id
                for r in rows
                if not r.refused and r.answer_recall == 0 and bool(r.context_recall)
            ],
            "context_empty": [r.question.id for r in rows if r.context_recall == 0],
        },
    }
    if product:
        out["targets"] = {m: {"value": overall[m], "met": met(m, overall[m])} for m in TARGETS}
        confidence = [(bool(a["refused"]), a.get("confidence")) for a in answers]
        refused = [c for r, c in confidence if r and c is not None]
        answered = [c for r, c in confidence if not r and c is not None]
        if refused or answered:
            out["confidence"] = {
                "threshold": threshold,
                "refused_median": statistics.median(refused) if refused else float("nan"),
                "answered_median": statistics.median(answered) if answered else float("nan"),
            }
    return out


def _fusion(
    questions: Sequence[Question], answers: dict[str, list[Record]], rows: Sequence[Row]
) -> dict[str, Any]:
    """The default retrieval against dense only, paired over the same questions: context
    recall and answer recall, mean difference with a 95% bootstrap interval."""
    names = [r.name for r in rows]
    if "product (extractive)" not in names or "product (extractive, dense only)" not in names:
        return {}
    pairs = [
        (score(q, a), score(q, b))
        for q, a, b in zip(
            questions,
            answers["product (extractive)"],
            answers["product (extractive, dense only)"],
            strict=True,
        )
    ]
    out: dict[str, Any] = {}
    for metric in ("context_recall", "answer_recall"):
        kept = [
            (getattr(a, metric), getattr(b, metric))
            for a, b in pairs
            if getattr(a, metric) is not None and getattr(b, metric) is not None
        ]
        out[metric] = paired_difference([a for a, _ in kept], [b for _, b in kept]) | {
            "questions": len(kept)
        }
    return out


def _index(assistant: Assistant, ingested: IngestSummary) -> dict[str, Any]:
    """The index, and per file what the reader made of it. `asking`: the share of its
    sentences marked as part of a question (the extractive answer never quotes those)."""
    manifest = assistant.store.manifest
    sentences: dict[str, dict[tuple[int, int], bool]] = {}
    for chunk in assistant.store.chunks:
        for s in chunk.sentences:
            sentences.setdefault(chunk.source, {})[(s.start_char, s.end_char)] = s.asks
    return {
        "model": manifest.model,
        "chunker": manifest.chunker,
        "speaker_prefix": manifest.speaker_prefix,
        "chunks": manifest.n_chunks,
        "files": [
            {
                "name": f.name,
                "format": f.format,
                "speakers": f.speakers,
                "turns": f.turns,
                "chunks": f.chunks,
                "sentences": len(sentences.get(f.name, {})),
                "asking": statistics.fmean(sentences[f.name].values())
                if sentences.get(f.name)
                else 0.0,
                "notes": list(f.notes),
            }
            for f in ingested.files
        ],
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m eval.elitr", description=elitr.__doc__)
    parser.add_argument("--data", type=Path, default=ELITR_DEV, help="elitr-bench-dev.zip")
    parser.add_argument("--out", type=Path, help="write elitr.md and elitr.json here")
    parser.add_argument("--backend", choices=["extractive", "llm", "both"], default="extractive")
    parser.add_argument(
        "--local-llm",
        nargs="?",
        const="smollm2",
        choices=sorted(MODELS),
        help="start a bundled model on llama.cpp for the LLM row (smollm2, the default, or gemma3)",
    )
    return parser
