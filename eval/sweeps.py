"""What the fits of one number share (eval.fusion: BM25's weight; eval.pooling: the pooled
vectors' speaker weight; eval.ensemble: each dense model's weight): the corpora they search,
the sweep over variants of one index, the Markdown table of per-corpus means and the paired
intervals, and the command line."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from eval.fusion import Scorer, elitr_scorer, interval, qmsum_scorer, seed_scorer
from eval.paths import QMSUM_TRAIN, QMSUM_VAL, ROOT
from eval.qmsum.data import Meeting, load_dataset
from retrieval import Assistant
from webinar_rag.core import Settings

MODES = ("hybrid", "dense")
Variants = Callable[[Assistant], list[tuple[str, Assistant]]]


def corpora(train: Sequence[Meeting], val: Path, work: Path) -> dict[str, Scorer]:
    """The training meetings' queries (eval.fusion's index of them, in `work`/fusion-train)
    and the development corpora (the indexes bench.ingest_options keeps in `work`), each as
    the default models and settings search it; indexes are built where missing."""
    base = Settings.from_env(parts=("models", "query")).changed(backend="extractive")
    options = work / "ingest-options" / "embedded"
    return {
        "QMSum train": qmsum_scorer(train, base, work / "fusion-train"),
        "QMSum val": qmsum_scorer(load_dataset(val)[0], base, options / "qmsum"),
        "seed development set": seed_scorer(base, options / "seed"),
        "ELITR-Bench dev": elitr_scorer(base, options / "elitr"),
    }


def sweep(scorer: Scorer, variants: Variants) -> dict[str, dict[str, list[float]]]:
    """Per mode, the per-question scores of each variant of the scorer's assistant (its
    name and the assistant: the same index and questions, other vectors)."""
    assistant, score = scorer
    out: dict[str, dict[str, list[float]]] = {m: {} for m in MODES}
    for name, a in variants(assistant):
        for mode in MODES:
            out[mode][name] = score(a.with_settings(retrieval_mode=mode))
    return out


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def tables(summary: dict[str, Any], columns: list[str], bold: str, paired: str) -> list[str]:
    """The per-corpus, per-mode means (the `bold` column in bold) and the paired intervals
    (`paired` names the difference), as Markdown lines."""
    lines = [
        "| corpus | mode | queries | " + " | ".join(columns) + " |",
        "| --- | --- | ---: |" + " ---: |" * len(columns),
    ]
    for corpus, modes in summary["means"].items():
        for mode, means in modes.items():
            cells = [f"**{means[c]:.3f}**" if c == bold else f"{means[c]:.3f}" for c in columns]
            lines.append(
                f"| {corpus} | {mode} | {summary['queries'][corpus]} | " + " | ".join(cells) + " |"
            )
    lines += [
        "",
        f"{paired}, over the same questions (mean, 95% bootstrap interval):",
        "",
        "| corpus | hybrid | dense |",
        "| --- | --- | --- |",
    ]
    for corpus, pairs in summary["paired"].items():
        lines.append(f"| {corpus} | " + " | ".join(interval(pairs[m]) for m in MODES) + " |")
    return lines


def parser(prog: str, doc: str | None, model: Path, kept: str) -> argparse.ArgumentParser:
    """The fits' shared options; `kept` names the indexes `--work` keeps between runs."""
    p = argparse.ArgumentParser(prog=prog, description=doc)
    p.add_argument("--train", type=Path, default=QMSUM_TRAIN, help="QMSum train meetings")
    p.add_argument("--val", type=Path, default=QMSUM_VAL, help="QMSum val meetings")
    p.add_argument(
        "--work", type=Path, default=Path("build"),
        help=f"where the indexes are kept between runs ({kept})",
    )  # fmt: skip
    p.add_argument("--out", type=Path, default=ROOT / "eval" / "results")
    p.add_argument("--model", type=Path, default=model, help="the fitted weight's file")
    return p
