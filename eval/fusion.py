"""`python -m eval.fusion`: BM25's weight in the hybrid fusion, fitted on QMSum train and
checked on every development corpus against dense retrieval alone.

    python -m eval.fusion [--train ../shared/data/qmsum/train] [--val ../shared/data/qmsum/val]
                          [--work build] [--out eval/results]

The hybrid search fuses the dense ranking and BM25's by reciprocal rank, BM25's votes weighted
by `QuerySettings.bm25_weight`. Each weight of a grid (and dense alone) searches every specific
query of a fixed, spread-out choice of QMSum train meetings (`PER_DOMAIN`, every k-th of each
domain: eval.judge.data.choose_meetings) through the document filter, as a user asking about
one meeting; the weight with the best MRR@10 there is the fitted one. Then, with nothing fitted
on them, the same grid on QMSum val (MRR@10, gold evidence turns), the seed development set
(MRR@5 of the first passage holding an evidence string) and ELITR-Bench dev (context recall of
the reference's words in the top 5), with paired bootstrap intervals: the fitted weight against
dense alone and against the weight the product had before (1.0). Those three choose between the
fitted weight and the one before (`choose`); both, and the data, are in
`webinar_rag/models/fusion.json`, and the product's default is the chosen one
(tests/test_judge.py checks they agree).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from eval.elitr.data import extract_transcripts
from eval.elitr.data import load_questions as elitr_questions
from eval.elitr.scoring import recall
from eval.judge.data import choose_meetings
from eval.metrics import rank_of_evidence
from eval.paths import (
    DEV_SET,
    ELITR_DEV,
    QMSUM_TRAIN,
    QMSUM_VAL,
    ROOT,
    save_json,
    save_text,
    shown,
)
from eval.qmsum.data import Meeting, load_dataset
from eval.qmsum.metrics import paired_difference
from eval.qmsum.turnmap import TurnMap
from eval.runner import load_questions
from ingest import ingest
from retrieval import Assistant
from webinar_rag.core import Settings

GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
# A fifth of the judge's training meetings: one number is fitted, and embedding all 162 takes
# hours on two cores.
PER_DOMAIN = {"Committee": 5, "Academic": 4, "Product": 8}
BEFORE = 1.0  # the weight the product had before this fit
DEV_CORPORA = ("QMSum val", "seed development set", "ELITR-Bench dev")  # where the choice is made
OUT = ROOT / "webinar_rag" / "models" / "fusion.json"
Scorer = tuple[Assistant, Callable[[Assistant], list[float]]]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    began = time.perf_counter()
    base = Settings.from_env(parts=("models", "query")).changed(backend="extractive")
    corpora: dict[str, dict[str, list[float]]] = {}
    readers: dict[str, str] = {}
    train = choose_meetings(args.train, PER_DOMAIN)
    corpora["QMSum train"], readers["QMSum train"] = _sweep(
        qmsum_scorer(train, base, args.work / "fusion-train")
    )
    fitted = max(GRID, key=lambda w: (_mean(corpora["QMSum train"][str(w)]), -abs(w - BEFORE)))
    val, _ = load_dataset(args.val)
    corpora["QMSum val"], readers["QMSum val"] = _sweep(
        qmsum_scorer(val, base, args.work / "qmsum-val")
    )
    corpora["seed development set"], readers["seed development set"] = _sweep(
        seed_scorer(base, args.work / "fusion-seed")
    )
    with tempfile.TemporaryDirectory(prefix="elitr-fusion-") as tmp:
        corpora["ELITR-Bench dev"], readers["ELITR-Bench dev"] = _sweep(
            elitr_scorer(base, Path(tmp))
        )
    summary: dict[str, Any] = {
        "command": "python -m eval.fusion",
        "fitted_on": shown(args.train),
        "meetings": [m.path.stem for m in train],
        "grid": list(GRID),
        "fitted": fitted,
        "bm25_weight": choose(corpora, fitted),
        "metric": {
            "QMSum train": "MRR@10, document filter",
            "QMSum val": "MRR@10, document filter",
            "seed development set": "MRR@5 (evidence string in the passage)",
            "ELITR-Bench dev": "context recall of the reference's words, top 5",
        },
        "means": {c: {k: round(_mean(v), 4) for k, v in r.items()} for c, r in corpora.items()},
        "paired": {c: _paired(r, fitted) for c, r in corpora.items()},
        "queries": {c: len(r["dense"]) for c, r in corpora.items()},
        "readers": readers,
        "seconds": round(time.perf_counter() - began),
    }
    kept = ("bm25_weight", "fitted", "fitted_on", "command", "grid", "meetings")
    model = {k: summary[k] for k in kept} | {"chosen_on": list(DEV_CORPORA)}
    save_json(args.model, model | {"train_mrr": summary["means"]["QMSum train"]})
    save_json(args.out / "fusion.json", summary)
    save_text(args.out / "fusion.md", write_up(summary))
    print(write_up(summary))
    return 0


def choose(corpora: dict[str, dict[str, list[float]]], fitted: float) -> float:
    """The product's weight: the one fitted on train, unless the weight it had before scores
    higher on the development corpora (the mean of their means: each corpus counts once)."""

    def dev(w: float) -> float:
        return _mean([_mean(corpora[c][str(w)]) for c in DEV_CORPORA])

    return fitted if dev(fitted) >= dev(BEFORE) else BEFORE


def _sweep(scorer: Scorer) -> tuple[dict[str, list[float]], str]:
    """The per-question scores of dense retrieval alone and of each weight of the grid, and
    the reader version of the index searched."""
    assistant, score = scorer
    rows = {"dense": score(assistant.with_settings(retrieval_mode="dense"))}
    for w in tqdm(GRID, desc="bm25 weights", file=sys.stderr):
        rows[str(w)] = score(assistant.with_settings(retrieval_mode="hybrid", bm25_weight=w))
    return rows, str(assistant.store.manifest.chunker.get("parser_version"))


def qmsum_scorer(meetings: Sequence[Meeting], base: Settings, work: Path) -> Scorer:
    """An index kept in `work` from an earlier run is searched as it is, even when a newer
    reader version would re-embed it all (the QMSum JSON reader's output is what it was, and
    every weight searches the same index): embedding QMSum val takes most of an hour here."""
    settings = base.at_index(work / "index")
    if not (work / "index" / "manifest.json").exists():
        ingest([m.path for m in meetings], settings, progress=sys.stderr.isatty())
    assistant = Assistant.load(settings)
    maps = {m.name: TurnMap.of(assistant.store.sources[m.name], m.spoken) for m in meetings}
    queries = [q for m in meetings for q in m.queries if q.gold]

    def score(a: Assistant) -> list[float]:
        found = []
        for q in queries:
            hits = a.search(q.text, k=10, document=q.meeting)
            touched = maps[q.meeting].touched
            rank = next(
                (
                    r
                    for r, h in enumerate(hits, start=1)
                    if touched(h.chunk.start_char, h.chunk.end_char) & q.gold
                ),
                None,
            )
            found.append(1.0 / rank if rank else 0.0)
        return found

    return assistant, score


def seed_scorer(base: Settings, work: Path) -> Scorer:
    settings = base.at_index(work / "index")
    ingest([ROOT / "corpus"], settings, progress=False)
    assistant = Assistant.load(settings)
    questions = [q for q in load_questions(DEV_SET) if q["answerable"] and q.get("evidence")]

    def score(a: Assistant) -> list[float]:
        found = []
        for q in questions:
            hits = a.search(q["question"], k=5)
            rank = rank_of_evidence({"contexts": [{"text": h.chunk.text} for h in hits]}, q)
            found.append(1.0 / rank if rank else 0.0)
        return found

    return assistant, score


def elitr_scorer(base: Settings, work: Path) -> Scorer:
    files = extract_transcripts(ELITR_DEV, work / "transcripts")
    settings = base.at_index(work / "index")
    ingest(files, settings, progress=sys.stderr.isatty())
    assistant = Assistant.load(settings)
    questions = elitr_questions(ELITR_DEV)

    def score(a: Assistant) -> list[float]:
        found = []
        for q in questions:
            hits = a.search(q.text, k=5, document=q.file)
            text = " ".join(f"{h.chunk.speaker or ''}: {h.chunk.text}" for h in hits)
            found.append(recall(q.answer, text) or 0.0)
        return found

    return assistant, score


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _paired(rows: dict[str, list[float]], fitted: float) -> dict[str, Any]:
    return {
        "fitted vs dense": paired_difference(rows[str(fitted)], rows["dense"]),
        "fitted vs before": paired_difference(rows[str(fitted)], rows[str(BEFORE)]),
        "before vs dense": paired_difference(rows[str(BEFORE)], rows["dense"]),
    }


def interval(d: dict[str, float]) -> str:
    verdict = "better" if d["low"] > 0 else "worse" if d["high"] < 0 else "level"
    return f"{d['mean']:+.3f} [{d['low']:+.3f}, {d['high']:+.3f}] ({verdict})"


def write_up(summary: dict[str, Any]) -> str:
    fitted, chosen = summary["fitted"], summary["bm25_weight"]
    columns = ["dense", *(str(w) for w in summary["grid"])]
    lines = [
        "# BM25's weight in the hybrid fusion",
        "",
        f"Generated by `{summary['command']}` ({summary['seconds']} s). Fitted on "
        f"`{summary['fitted_on']}` ({len(summary['meetings'])} meetings, "
        f"{summary['queries']['QMSum train']} queries): **{fitted}** (the best MRR@10 there, in "
        "bold; ties go to the weight nearest the old 1.0). The development corpora then choose "
        f"between it and the weight before ({BEFORE}), by the mean of their three means: the "
        f"product's `bm25_weight` is **{chosen}**"
        + (" (the fitted weight)." if chosen == fitted else " (the weight before).")
        + " Columns: dense retrieval alone, then hybrid with each BM25 weight "
        "(0 = the dense ranking's votes alone, as fused). Reader version of each index: "
        + ", ".join(f"{c} {v}" for c, v in summary["readers"].items())
        + ".",
        "",
        "| corpus | metric | queries | " + " | ".join(columns) + " |",
        "| --- | --- | ---: |" + " ---: |" * len(columns),
    ]
    for corpus, means in summary["means"].items():
        cells = [f"**{means[c]:.3f}**" if c == str(fitted) else f"{means[c]:.3f}" for c in columns]
        lines.append(
            f"| {corpus} | {summary['metric'][corpus]} | {summary['queries'][corpus]} | "
            + " | ".join(cells)
            + " |"
        )
    lines += [
        "",
        "Paired differences over the same questions (mean, 95% bootstrap interval):",
        "",
        "| corpus | fitted vs dense | fitted vs before (1.0) | before vs dense |",
        "| --- | --- | --- | --- |",
    ]
    for corpus, pairs in summary["paired"].items():
        lines.append(
            f"| {corpus} | "
            + " | ".join(
                interval(pairs[k])
                for k in ("fitted vs dense", "fitted vs before", "before vs dense")
            )
            + " |"
        )
    return "\n".join(lines) + "\n"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m eval.fusion", description=__doc__)
    p.add_argument("--train", type=Path, default=QMSUM_TRAIN, help="QMSum train meetings")
    p.add_argument("--val", type=Path, default=QMSUM_VAL, help="QMSum val meetings")
    p.add_argument(
        "--work", type=Path, default=Path("build"),
        help="where the indexes are kept between runs (build/fusion-train, build/qmsum-val)",
    )  # fmt: skip
    p.add_argument("--out", type=Path, default=ROOT / "eval" / "results")
    p.add_argument("--model", type=Path, default=OUT, help="the fitted weight's file")
    return p


if __name__ == "__main__":
    raise SystemExit(main())
