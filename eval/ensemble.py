"""`python -m eval.ensemble`: how much each dense model of the default ensemble counts, fitted on
QMSum train and chosen on the development corpora.

    python -m eval.ensemble [--train ../shared/data/qmsum/train] [--val ../shared/data/qmsum/val]
                            [--work build] [--out eval/results]

The default embedder is two models (MiniLM and multilingual e5), each one's unit vector scaled
by the square root of its weight and concatenated, so that a dense score is the weighted mean
of the two cosines (webinar_rag.models.ensemble). Each MiniLM weight of a grid (e5 has the
rest) is tried without embedding anything again: the stored chunk vectors' blocks are rescaled
to the new weights and questions are embedded by an ensemble of the same two models so
weighted. The same queries as eval.pooling's (QMSum train meetings through their document
filter, then QMSum val, the seed development set and ELITR-Bench dev) are searched, hybrid
and dense alone. The weight with the best hybrid MRR@10 on train is the fitted one; the
development corpora then choose between it and the weight the product has (`CURRENT`), by
the mean of their three hybrid means, as eval.fusion chooses BM25's weight. The result and
its data are in webinar_rag/models/ensemble.json.

Only retrieval is measured here. The weights also set the scale of every sentence similarity
the answerer judges by, and the refusal threshold (cross-validated on the seed set) and the
learned judge (trained on QMSum train features) were fitted at the product's weight, and a new
model spec re-embeds every index. So the choice is recorded as `retrieval_choice`, and
`minilm_weight` stays the product's (`adopted` says whether they agree) until those are
re-fitted at the new weight; tests/test_fit_sweeps.py checks that the product's default model
spec carries `minilm_weight`.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from eval.fusion import PER_DOMAIN
from eval.judge.data import choose_meetings
from eval.paths import ROOT, save_json, save_text, shown
from eval.qmsum.metrics import paired_difference
from eval.sweeps import MODES, corpora, mean, parser, sweep, tables
from retrieval import Assistant
from webinar_rag.models import CompositeEmbedder
from webinar_rag.store import FaissStore, vectors

GRID = (0.0, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 1.0)  # MiniLM's weight; e5 has 1 minus it
CURRENT = 0.25  # the product's MiniLM weight before this fit (DEFAULT_MODEL)
DEV_CORPORA = ("QMSum val", "seed development set", "ELITR-Bench dev")
OUT = ROOT / "webinar_rag" / "models" / "ensemble.json"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    began = time.perf_counter()
    train = choose_meetings(args.train, PER_DOMAIN)
    rows = {c: sweep(s, _weighted_variants) for c, s in corpora(train, args.val, args.work).items()}
    hybrid = {c: {k: mean(v) for k, v in r["hybrid"].items()} for c, r in rows.items()}
    fitted = max(GRID, key=lambda w: (hybrid["QMSum train"][str(w)], -abs(w - CURRENT)))

    def dev(w: float) -> float:
        return mean([hybrid[c][str(w)] for c in DEV_CORPORA])

    chosen = fitted if dev(fitted) >= dev(CURRENT) else CURRENT
    summary: dict[str, Any] = {
        "command": "python -m eval.ensemble",
        "fitted_on": shown(args.train),
        "meetings": [m.path.stem for m in train],
        "grid": list(GRID),
        "fitted": fitted,
        "retrieval_choice": chosen,
        "chosen_on": list(DEV_CORPORA),
        "minilm_weight": CURRENT,
        "adopted": chosen == CURRENT,
        "metric": "MRR@10 of the gold evidence turns (QMSum), MRR@5 of an evidence string "
        "(seed), context recall of the reference's words in the top 5 (ELITR)",
        "means": {
            c: {m: {k: round(mean(v), 4) for k, v in r[m].items()} for m in MODES}
            for c, r in rows.items()
        },
        "paired": {
            c: {m: paired_difference(r[m][str(fitted)], r[m][str(CURRENT)]) for m in MODES}
            for c, r in rows.items()
        },
        "queries": {c: len(r["dense"][str(CURRENT)]) for c, r in rows.items()},
        "seconds": round(time.perf_counter() - began),
    }
    kept = ["minilm_weight", "adopted", "retrieval_choice", "fitted", "fitted_on", "chosen_on"]
    kept += ["command", "grid", "meetings"]
    train_means = summary["means"]["QMSum train"]
    save_json(args.model, {k: summary[k] for k in kept} | {"train_mrr": train_means})
    save_json(args.out / "ensemble.json", summary)
    save_text(args.out / "ensemble.md", write_up(summary))
    print(write_up(summary))
    return 0


def _weighted_variants(assistant: Assistant) -> list[tuple[str, Assistant]]:
    return [(str(w), reweighted(assistant, w)) for w in GRID]


def reweighted(assistant: Assistant, minilm: float) -> Assistant:
    """The same index with its chunk vectors' blocks rescaled to MiniLM weight `minilm` (the
    other model `1 - minilm`), and an embedder of the same models so weighted."""
    embedder, store = assistant.embedder, assistant.store
    if not isinstance(embedder, CompositeEmbedder) or len(embedder.parts) != 2:
        raise TypeError("the ensemble sweep needs the two-model default embedder")
    if not isinstance(store, FaissStore):
        raise TypeError("the ensemble sweep reads a folder index's stored vectors")
    weights = [minilm, 1.0 - minilm]
    models = [e for e, _ in embedder.parts]
    stored = np.array(vectors.stored_vectors(store.index.chunk_vectors), np.float32)
    for block, (_, old), new in zip(embedder.blocks, embedder.scaled, weights, strict=True):
        stored[:, block] *= np.sqrt(new) / old
    index = dataclasses.replace(
        store.index, chunk_vectors=vectors.build(stored, embedder.dimension, limit=len(stored))
    )
    other = CompositeEmbedder([(m, max(w, 0.0)) for m, w in zip(models, weights, strict=True)])
    return Assistant(FaissStore(index), other, assistant.settings)


def write_up(summary: dict[str, Any]) -> str:
    fitted, chosen = summary["fitted"], summary["retrieval_choice"]
    columns = [str(w) for w in summary["grid"]]
    lines = [
        "# Each dense model's weight in the default ensemble",
        "",
        f"Generated by `{summary['command']}` ({summary['seconds']} s). MiniLM's weight (e5 "
        f"has the rest), fitted on `{summary['fitted_on']}` ({len(summary['meetings'])} "
        f"meetings, {summary['queries']['QMSum train']} queries) by hybrid MRR@10: **{fitted}** "
        "(in bold; ties go to the weight nearest the one before). The development corpora then "
        f"choose between it and the weight before ({CURRENT}) by the mean of their hybrid means: "
        f"retrieval's choice is **{chosen}**. The product's weight is {summary['minilm_weight']}"
        + (
            "."
            if summary["adopted"]
            else " (not adopted: the refusal threshold and the learned judge were fitted at it; "
            "see the module's docstring)."
        ),
        "",
    ]
    lines += tables(summary, columns, str(fitted), f"Fitted ({fitted}) minus before ({CURRENT})")
    return "\n".join(lines) + "\n"


def _parser() -> argparse.ArgumentParser:
    kept = "build/fusion-train, build/ingest-options/embedded"
    return parser("python -m eval.ensemble", __doc__, OUT, kept)


if __name__ == "__main__":
    raise SystemExit(main())
