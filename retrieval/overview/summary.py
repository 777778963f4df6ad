"""Extractive summary points: central sentences, diverse, in a word budget, in the order said.

Centrality is a sentence's cosine with the mean of all the meeting's sentence vectors (the
LexRank degree on a complete graph, with the vectors the index already holds); maximal
marginal relevance (Carbonell & Goldstein, 1998) trades it against similarity to what is
already chosen, so that the points cover the meeting's topics instead of repeating its main
one. A focused summary ("summarize the discussion about the budget") adds the question's
cosine to the centrality.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from retrieval.overview.pool import Said

# MMR's trade-off between centrality and novelty: the value of Carbonell & Goldstein's and of
# most MMR summarisers since (not tuned here).
MMR_LAMBDA = 0.7
# In a focused summary, the question's cosine counts this much, centrality the rest: the
# points must be about the focus first (set by hand on the seed's focused questions).
FOCUS_WEIGHT = 0.7
# A summary point says something: shorter sentences ("Yes, exactly.") are not points.
MIN_POINT_WORDS = 6


def centrality(vectors: np.ndarray) -> np.ndarray:
    """Each sentence's cosine with the centroid of all of them."""
    if not len(vectors):
        return np.zeros(0)
    centroid = vectors.mean(axis=0)
    norm = float(np.linalg.norm(centroid)) or 1.0
    return np.asarray(vectors @ (centroid / norm), np.float64)


def mmr(
    vectors: np.ndarray,
    relevance: np.ndarray,
    lengths: Sequence[int],
    budget: int,
    most: int | None = None,
    eligible: np.ndarray | None = None,
) -> list[int]:
    """Indices chosen greedily by MMR until `budget` words (or `most` sentences) are taken."""
    n = len(relevance)
    allowed = np.ones(n, bool) if eligible is None else eligible.copy()
    chosen: list[int] = []
    taken = 0
    closest = np.full(n, -1.0)  # each sentence's highest cosine with a chosen one
    while allowed.any() and taken < budget and (most is None or len(chosen) < most):
        novelty = closest if chosen else np.zeros(n)
        score = MMR_LAMBDA * relevance - (1 - MMR_LAMBDA) * novelty
        score[~allowed] = -np.inf
        best = int(np.argmax(score))
        chosen.append(best)
        taken += lengths[best]
        allowed[best] = False
        closest = np.maximum(closest, vectors @ vectors[best])
    return chosen


def summary_points(
    said: Sequence[Said],
    vectors: np.ndarray,
    budget: int,
    focus: np.ndarray | None = None,
) -> list[int]:
    """The summary's sentences (indices into `said`), in the order they were said."""
    if not said:
        return []
    relevance = centrality(vectors)
    if focus is not None:
        relevance = (1 - FOCUS_WEIGHT) * relevance + FOCUS_WEIGHT * np.asarray(
            vectors @ focus, np.float64
        )
    eligible = np.asarray([s.states and s.words >= MIN_POINT_WORDS for s in said])
    if not eligible.any():
        eligible = np.asarray([s.states for s in said])
    lengths = [s.words for s in said]
    return sorted(mmr(vectors, relevance, lengths, budget, eligible=eligible))


def speaker_points(
    said: Sequence[Said], vectors: np.ndarray, most: int = 3
) -> list[tuple[str, list[int]]]:
    """Per speaker (most words first): one to `most` of their sentences that are central to
    what they said and to the meeting, diverse, in the order said."""
    if not said:
        return []
    overall = centrality(vectors)
    spoken: dict[str, list[int]] = {}
    for i, s in enumerate(said):
        if s.speaker and s.states:
            spoken.setdefault(s.speaker, []).append(i)
    words = {name: sum(said[i].words for i in rows) for name, rows in spoken.items()}
    out = []
    for name in sorted(spoken, key=lambda n: -words[n]):
        rows = spoken[name]
        own = vectors[rows]
        relevance = 0.5 * centrality(own) + 0.5 * overall[rows]
        eligible = np.asarray([said[i].words >= MIN_POINT_WORDS for i in rows])
        if not eligible.any():
            eligible = np.ones(len(rows), bool)
        n = 1 if words[name] < 150 else 2 if words[name] < 600 else most
        picked = mmr(own, relevance, [said[i].words for i in rows], 10**9, n, eligible)
        out.append((name, sorted(rows[j] for j in picked)))
    return out
