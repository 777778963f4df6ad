"""`python -m eval.judge.train`: rebuild the answer judge from QMSum train, in one command.

    python -m eval.judge.train [--data ../shared/data/qmsum/train] [--work DIR]
                               [--out webinar_rag/models/judge.json]

The chosen train meetings are ingested into `--work` (incremental: a second run embeds
nothing), every case is asked as the product asks it, and two logistic regressions are fitted
(scikit-learn; the product needs numpy only). Numbers chosen here, each by grouped
cross-validation over meetings on the training data alone: the regularisation, the refusal
bar (the best balanced accuracy with at most 10% of answerable cases refused), the margin
within which runners-up are quoted, and the floor under which an LLM claim's support is beside
the point. Nothing of QMSum val, ELITR-Bench or the seed questions is seen.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from eval.judge.collect import Collected, collect
from eval.judge.data import PER_DOMAIN, cases, choose_meetings
from eval.judge.fit import (
    answerable_oof,
    auc,
    choose_margin,
    fit_logistic,
    grouped_oof,
    reliability,
    threshold_for,
)
from eval.paths import QMSUM_TRAIN, save_json, shown
from ingest import ingest
from retrieval import QUESTION_FEATURES, SENTENCE_FEATURES, Assistant, question_row
from webinar_rag.core import IndexSettings, Settings
from webinar_rag.models import JudgeModel

OUT = Path(__file__).resolve().parents[2] / "webinar_rag" / "models" / "judge.json"
KINDS = ("own", "other meeting", "swapped term")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    began = time.perf_counter()
    meetings = choose_meetings(args.data)
    settings = Settings.from_env(parts=("models",)).changed(judge="weighted", backend="extractive")
    settings = Settings(
        index=IndexSettings(index_dir=args.work / "index"),
        models=settings.models,
        query=settings.query,
    )
    ingest([m.path for m in meetings], settings, progress=sys.stderr.isatty())
    assistant = Assistant.load(settings)
    texts = {name: s.text for name, s in assistant.store.sources.items()}
    made = cases(meetings, texts, seed=0)
    data = collect(assistant, meetings, made)
    model, report = fit(data, assistant.embedder.name)
    model = JudgeModel(
        model.sentence,
        model.answerable,
        model.threshold,
        model.foreign_offset,
        model.sentence_floor,
        {
            **model.trained_on,
            "data": shown(args.data),
            "meetings": [m.path.stem for m in meetings],
            "per_domain": PER_DOMAIN,
            "cases": {
                k: sum(c.kind == k for c in made) for k in ("own", "other meeting", "swapped term")
            },
            "command": "python -m eval.judge.train",
            "trained": datetime.now(UTC).strftime("%Y-%m-%d"),
            "seconds": round(time.perf_counter() - began),
        },
    )
    save_json(args.out, model.to_record())
    print(f"wrote {shown(args.out)}: {report}")
    return 0


def fit(data: Collected, embedder: str) -> tuple[JudgeModel, dict[str, Any]]:
    rows = data.rows
    own = [r for r in rows if r.case.answerable and len(r.labels)]
    x_s = np.concatenate([r.features for r in own])
    y_s = np.concatenate([r.labels for r in own])
    g_s = np.concatenate([[r.case.document] * len(r.labels) for r in own])
    sentence, c_s = fit_logistic(x_s, y_s, g_s, SENTENCE_FEATURES, balanced=False)
    # Out-of-fold sentence probabilities for every case, so the answerability model learns
    # from probabilities like those it will meet on new meetings.
    documents = sorted({r.case.document for r in rows})
    fold_of = {d: i % 5 for i, d in enumerate(documents)}
    probabilities = grouped_oof(rows, fold_of, SENTENCE_FEATURES, c_s)
    x_q = np.asarray(
        [
            question_row(
                p,
                r.features,
                r.key_present,
                r.key_missing,
                r.expects_kind,
                r.foreign,
                r.n_terms,
                r.weighted,
            )
            for r, p in zip(rows, probabilities, strict=True)
        ]
    )
    y_q = np.asarray([float(r.case.answerable) for r in rows])
    g_q = np.asarray([r.case.id.split("#")[0] for r in rows])  # the query's own meeting
    answerable, c_q = fit_logistic(x_q, y_q, g_q, QUESTION_FEATURES, balanced=True)
    oof = answerable_oof(x_q, y_q, g_q, c_q)
    native = np.asarray([not r.foreign for r in rows])
    threshold, at = threshold_for(oof[native], y_q[native], max_false_refusal=0.10)
    gold_best = [
        float(p[r.labels > 0].max())
        for r, p in zip(rows, probabilities, strict=True)
        if r.labels.any() and not r.foreign
    ]
    floor = float(np.quantile(gold_best, 0.2)) if gold_best else 0.5
    margin = choose_margin(rows, probabilities)
    report = {
        "embedder": embedder,
        "sentence_rows": len(y_s),
        "sentence_positive_share": round(float(y_s.mean()), 4),
        "sentence_C": c_s,
        "answerable_C": c_q,
        "cases": len(y_q),
        "answerable_oof": at,
        "auc_oof": round(auc(oof[native], y_q[native]), 4),
        "brier_oof": round(float(np.mean((oof[native] - y_q[native]) ** 2)), 4),
        "reliability_oof": reliability(oof[native], y_q[native]),
        "quote_margin": margin,
    }
    return JudgeModel(sentence, answerable, threshold, 0.0, floor, report), report


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m eval.judge.train", description=__doc__)
    p.add_argument("--data", type=Path, default=QMSUM_TRAIN, help="QMSum train meetings")
    p.add_argument(
        "--work", type=Path, default=Path("build") / "judge-train",
        help="where the training index is kept between runs (default build/judge-train)",
    )  # fmt: skip
    p.add_argument("--out", type=Path, default=OUT, help="the judge file to write")
    return p


if __name__ == "__main__":
    raise SystemExit(main())
