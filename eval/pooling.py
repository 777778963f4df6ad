"""`python -m eval.pooling`: the speaker line's weight in pooled chunk vectors, fitted on QMSum
train and checked on every development corpus.

    python -m eval.pooling [--train ../shared/data/qmsum/train] [--val ../shared/data/qmsum/val]
                           [--work build] [--out eval/results]

With `WEBINAR_RAG_CHUNK_VECTORS=pooled` a chunk's vector is the mean of its sentences' vectors
plus a weight times its speaker line's (ingest.pooling). Sentence vectors are stored in every
index, so each weight of a grid is tried without embedding anything again: the chunk vectors
of an index are re-pooled from its stored sentence vectors with that weight (only the few
distinct speaker lines are embedded), and the same queries are searched, dense alone and
hybrid (the product's default mode), with the chunk vectors the index embedded as the
reference row. The weight with the best hybrid MRR@10 over the specific queries of the
training meetings eval.fusion uses (its index, build/fusion-train, is reused) is the fitted
one, and it is the product's: `SPEAKER_WEIGHT` in ingest/pooling.py, which
tests/test_vector_precision.py checks against webinar_rag/models/pooling.json. The development
corpora (QMSum val, the seed development set, ELITR-Bench dev, through the indexes
bench.ingest_options keeps) are reported beside it with paired intervals against the
embedded vectors, and choose nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Sequence
from typing import Any

from eval.fusion import PER_DOMAIN
from eval.judge.data import choose_meetings
from eval.paths import ROOT, save_json, save_text, shown
from eval.qmsum.metrics import paired_difference
from eval.sweeps import MODES, corpora, mean, parser, sweep, tables
from ingest import SPEAKER_WEIGHT, pooled_vectors, speaker_line
from retrieval import Assistant
from webinar_rag.store import FaissStore, vectors

GRID = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)
OUT = ROOT / "webinar_rag" / "models" / "pooling.json"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    began = time.perf_counter()
    train = choose_meetings(args.train, PER_DOMAIN)
    rows = {
        c: sweep(scorer, _pooled_variants)
        for c, scorer in corpora(train, args.val, args.work).items()
    }
    train_rows = rows["QMSum train"]["hybrid"]
    fitted = max(GRID, key=lambda w: (mean(train_rows[str(w)]), -w))
    summary: dict[str, Any] = {
        "command": "python -m eval.pooling",
        "fitted_on": shown(args.train),
        "meetings": [m.path.stem for m in train],
        "grid": list(GRID),
        "speaker_weight": fitted,
        "metric": "MRR@10 of the gold evidence turns (QMSum), MRR@5 of an evidence string "
        "(seed), context recall of the reference's words in the top 5 (ELITR)",
        "means": {
            c: {m: {k: round(mean(v), 4) for k, v in r[m].items()} for m in MODES}
            for c, r in rows.items()
        },
        "paired": {
            c: {m: paired_difference(r[m][str(fitted)], r[m]["embedded"]) for m in MODES}
            for c, r in rows.items()
        },
        "queries": {c: len(r["dense"]["embedded"]) for c, r in rows.items()},
        "seconds": round(time.perf_counter() - began),
    }
    kept = ("speaker_weight", "fitted_on", "command", "grid", "meetings")
    train_means = summary["means"]["QMSum train"]
    save_json(args.model, {k: summary[k] for k in kept} | {"train_mrr": train_means})
    save_json(args.out / "pooling.json", summary)
    save_text(args.out / "pooling.md", write_up(summary))
    print(write_up(summary))
    return 0


def _pooled_variants(assistant: Assistant) -> list[tuple[str, Assistant]]:
    """The index's own (embedded) chunk vectors, then those pooled at each weight."""
    pooled = repooled(assistant, *GRID)
    return [("embedded", assistant)] + [(str(w), a) for w, a in zip(GRID, pooled, strict=True)]


def repooled(assistant: Assistant, *weights: float) -> list[Assistant]:
    """For each weight, the same index and model with chunk vectors pooled from its stored
    sentence vectors (`speaker_weight=weight`), as a pooled ingest of the same documents would
    make them. The stored vectors are read and the speaker lines embedded once for all."""
    store = assistant.store
    if not isinstance(store, FaissStore):
        raise TypeError("re-pooling reads a folder index's stored sentence vectors")
    index, embedder = store.index, assistant.embedder
    sentences = index.sentence_vectors.reconstruct_n(0, index.sentence_vectors.ntotal)
    prefixed = bool(store.manifest.speaker_prefix)
    lines = sorted({speaker_line(c) for c in index.chunks}) if prefixed else []
    speakers = dict(zip(lines, embedder.embed(lines), strict=True)) if lines else None
    out = []
    for weight in weights:
        pooled = pooled_vectors(
            embedder, index.chunks, index.sentence_rows, sentences, speakers, weight
        )
        flat = vectors.build(pooled, embedder.dimension, limit=len(pooled))  # exact
        chunks = FaissStore(dataclasses.replace(index, chunk_vectors=flat))
        out.append(Assistant(chunks, embedder, assistant.settings))
    return out


def write_up(summary: dict[str, Any]) -> str:
    fitted = summary["speaker_weight"]
    columns = ["embedded", *(str(w) for w in summary["grid"])]
    lines = [
        "# The speaker line's weight in pooled chunk vectors",
        "",
        f"Generated by `{summary['command']}` ({summary['seconds']} s). Fitted on "
        f"`{summary['fitted_on']}` ({len(summary['meetings'])} meetings, "
        f"{summary['queries']['QMSum train']} queries) by hybrid MRR@10: **{fitted}** (in bold; "
        f"ties go to the smaller weight). The product's `SPEAKER_WEIGHT` was {SPEAKER_WEIGHT} "
        "when this ran. Columns: the chunk vectors the index embedded, then the vectors pooled "
        "from its sentence vectors with each weight. The development corpora choose nothing.",
        "",
    ]
    lines += tables(summary, columns, str(fitted), f"Pooled at {fitted} minus embedded")
    return "\n".join(lines) + "\n"


def _parser() -> argparse.ArgumentParser:
    kept = "build/fusion-train, build/ingest-options/embedded"
    return parser("python -m eval.pooling", __doc__, OUT, kept)


if __name__ == "__main__":
    raise SystemExit(main())
