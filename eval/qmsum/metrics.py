"""Benchmark metrics: pure functions of a ranked list of retrieved chunks and a query.

Hit@k, MRR@10 and turn recall score one query; `aggregate` macro-averages them; `compare`
pairs two modes over the same queries with a bootstrap interval, so a difference can be told
from query sampling.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from eval.qmsum.data import Query

K = 10  # retrieve this many; every metric is @k for k <= K
HIT_KS = (1, 3, 5, 10)
RECALL_KS = (5, 10)
COMPARISONS = (
    ("hybrid", "bm25"),
    ("dense", "bm25"),
    ("hybrid", "dense"),
    ("hybrid-nocues", "hybrid"),  # what the product's reading of speakers in a query does
)


class Retrieved(NamedTuple):
    """A retrieved chunk as the metrics see it: its meeting, and the QMSum turns its span
    overlaps (see `eval.qmsum.turnmap`)."""

    meeting: str
    turns: frozenset[int]


@dataclass(frozen=True)
class QueryResult:
    """What one search mode did for one query: the rank of its first evidence (None: not in
    the top K) and its metrics by name."""

    id: str
    domain: str
    rank: int | None
    metrics: dict[str, float]


def relevant(item: Retrieved, query: Query) -> bool:
    """From the query's meeting, and overlapping at least one gold turn."""
    return item.meeting == query.meeting and bool(item.turns & query.gold)


def first_relevant_rank(ranked: Sequence[Retrieved], query: Query, k: int = K) -> int | None:
    return next((r for r, item in enumerate(ranked[:k], start=1) if relevant(item, query)), None)


def turn_recall(ranked: Sequence[Retrieved], query: Query, k: int) -> float:
    """Share of the gold turns (all spans together) that the top-k chunks overlap."""
    covered = {t for item in ranked[:k] if item.meeting == query.meeting for t in item.turns}
    return len(query.gold & covered) / len(query.gold)


def score_query(ranked: Sequence[Retrieved], query: Query) -> dict[str, float]:
    rank = first_relevant_rank(ranked, query)
    scores = {f"hit@{k}": float(rank is not None and rank <= k) for k in HIT_KS}
    scores["mrr@10"] = 1.0 / rank if rank else 0.0
    scores |= {f"recall@{k}": turn_recall(ranked, query, k) for k in RECALL_KS}
    return scores


def aggregate(rows: Sequence[dict[str, float]]) -> dict[str, float]:
    """Macro average over queries (each query counts once, whatever its meeting's size)."""
    if not rows:
        return {"queries": 0}
    return {"queries": len(rows)} | {key: statistics.fmean(r[key] for r in rows) for key in rows[0]}


def paired_difference(
    a: Sequence[float], b: Sequence[float], resamples: int = 10_000, seed: int = 0
) -> dict[str, float]:
    """Mean of a - b over the same queries, with a 95% paired-bootstrap interval."""
    diff = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if not len(diff):
        return {"mean": math.nan, "low": math.nan, "high": math.nan}
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), (resamples, len(diff)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return {"mean": float(diff.mean()), "low": float(low), "high": float(high)}


def compare(per_mode: dict[str, list[QueryResult]]) -> dict[str, Any]:
    """Paired per-query differences between modes: MRR and turn-recall@10, and how many
    queries rank their first evidence higher, lower or the same."""
    out: dict[str, Any] = {}
    for a, b in COMPARISONS:
        if a not in per_mode or b not in per_mode:
            continue
        rows_a, rows_b = per_mode[a], per_mode[b]
        rank_a = [r.rank or K + 1 for r in rows_a]
        rank_b = [r.rank or K + 1 for r in rows_b]
        out[f"{a} vs {b}"] = {
            metric: paired_difference(
                [r.metrics[metric] for r in rows_a], [r.metrics[metric] for r in rows_b]
            )
            for metric in ("mrr@10", "recall@10")
        } | {
            "queries_better": sum(x < y for x, y in zip(rank_a, rank_b, strict=True)),
            "queries_worse": sum(x > y for x, y in zip(rank_a, rank_b, strict=True)),
            "queries_same": sum(x == y for x, y in zip(rank_a, rank_b, strict=True)),
        }
    return out
