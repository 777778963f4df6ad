"""Search every query in every retrieval mode, pooled over all meetings and through the
document filter, as a user of the product searches.

Each mode is the loaded `Assistant` with other settings (`with_settings`): bm25, dense,
hybrid, and hybrid with the configured cross-encoder; beside them a seeded random order of the
same chunks, the floor that evidence size alone gives. `Assistant.search` is the product's own
first two steps, so a query that names a speaker ("What did Marketing say ...") searches that
speaker's words, as it would for a user; the hybrid-nocues row searches with the same
`Searcher` but without that step, to show what it changes.
"""

from __future__ import annotations

import hashlib
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from tqdm import tqdm

from eval.qmsum.data import DOMAINS, Meeting, Query
from eval.qmsum.metrics import (
    K,
    QueryResult,
    Retrieved,
    aggregate,
    compare,
    first_relevant_rank,
    score_query,
)
from eval.qmsum.turnmap import TurnMap
from retrieval import Assistant, Request
from webinar_rag.core import Chunk, RerankerNotFound

RERANK_ENV = "WEBINAR_RAG_RERANK_MODEL"
MODES = ("bm25", "dense", "hybrid", "hybrid+rerank", "hybrid-nocues", "random")
SETTINGS = ("pooled", "document")  # all meetings at once; one meeting, by the document filter


def mode_assistants(
    assistant: Assistant, rerank_model: str | None
) -> tuple[dict[str, Assistant], str | None]:
    """An assistant per searched mode, and why hybrid+rerank is skipped (None: it is searched).
    The cross-encoder loads here, once, so a bad model folder cannot fail the run midway."""
    modes = {
        m: assistant.with_settings(retrieval_mode=m, rerank_model=None)
        for m in ("bm25", "dense", "hybrid")
    }
    if not rerank_model:
        return modes, f"skipped: no cross-encoder model configured ({RERANK_ENV})"
    try:
        modes["hybrid+rerank"] = assistant.with_settings(
            retrieval_mode="hybrid", rerank_model=rerank_model
        )
    except RerankerNotFound as exc:
        return modes, f"skipped: {exc}"
    return modes, None


def random_order(query: Query, candidates: Sequence[int]) -> list[int]:
    """K of the candidate rows in an order seeded by the query's id."""
    seed = int.from_bytes(hashlib.sha256(query.id.encode()).digest()[:8], "little")
    picked = np.random.default_rng(seed).permutation(len(candidates))[:K]
    return [candidates[int(i)] for i in picked]


class Benchmark:
    """The loaded index, each meeting's turn map, and the searched modes."""

    def __init__(
        self, assistant: Assistant, meetings: Sequence[Meeting], rerank_model: str | None
    ) -> None:
        index = assistant.store
        self.assistant = assistant
        self.chunks = index.chunks
        self.maps = {m.name: TurnMap.of(index.sources[m.name], m.spoken) for m in meetings}
        self.rows_of: dict[str, list[int]] = {}
        for row, chunk in enumerate(self.chunks):
            self.rows_of.setdefault(chunk.source, []).append(row)
        self.row_of = {c.id: r for r, c in enumerate(self.chunks)}
        self.modes, self.skipped = mode_assistants(assistant, rerank_model)

    def ranked(self, mode: str, query: Query, setting: str) -> list[Chunk]:
        """The top-K chunks of one mode for one query, best first."""
        document = query.meeting if setting == "document" else None
        if mode == "random":
            rows = self.rows_of[document] if document else range(len(self.chunks))
            return [self.chunks[r] for r in random_order(query, list(rows))]
        if mode == "hybrid-nocues":  # no speakers read from the question
            searcher = self.modes["hybrid"].searcher
            found = searcher.search(query.text, K, documents=[document] if document else None)
            return [h.chunk for h in found]
        hits = self.modes[mode].search(query.text, k=K, document=document)
        return [h.chunk for h in hits]

    def score(self, mode: str, query: Query, setting: str) -> QueryResult:
        chunks = self.ranked(mode, query, setting)
        ranked = [
            Retrieved(c.source, self.maps[c.source].touched(c.start_char, c.end_char))
            for c in chunks
        ]
        metrics = score_query(ranked, query)
        metrics["words@10"] = float(sum(len(c.text.split()) for c in chunks))
        if setting == "pooled":
            metrics["own_meeting@10"] = sum(c.source == query.meeting for c in chunks) / K
        if mode == "bm25":
            # The bm25 mode orders chunks that share no word with the query by dense score;
            # count how many of the top 10 got there that way.
            store = self.assistant.store
            sharing = {row for row, _ in store.lexical(query.text, len(store.chunks))}
            metrics["bm25_zero@10"] = float(sum(self.row_of[c.id] not in sharing for c in chunks))
        return QueryResult(query.id, query.domain, first_relevant_rank(ranked, query), metrics)

    def speaker_narrowing(self, queries: Sequence[Query]) -> dict[str, Any]:
        """How many queries the product reads as naming a speaker (it then searches only
        their words), how many of those speakers speak in the query's own meeting, and the
        speakers named most often."""
        own = {
            name: {t.speaker for t in source.turns}
            for name, source in self.assistant.store.sources.items()
        }
        named = {q.id: self.assistant.understand(Request(q.text)).speakers for q in queries}
        meeting = {q.id: q.meeting for q in queries}
        counts = Counter(s for speakers in named.values() for s in speakers[:1])
        return {
            "queries": sum(bool(s) for s in named.values()),
            "own_meeting": sum(bool(set(s) & own[meeting[i]]) for i, s in named.items()),
            "most_named": counts.most_common(3),
            "query_ids": [i for i, s in named.items() if s],
        }

    def describe(self) -> dict[str, Any]:
        manifest = self.assistant.store.manifest
        return {
            "documents": len(self.assistant.store.sources),
            "chunks": len(self.chunks),
            "mean_words": statistics.fmean(len(c.text.split()) for c in self.chunks),
            "chunker": manifest.chunker,
            "speaker_prefix": manifest.speaker_prefix,
            "model": manifest.model,
        }


def summarise(rows: Sequence[QueryResult]) -> dict[str, Any]:
    by_domain = {
        d: aggregate([r.metrics for r in rows if r.domain == d])
        for d in [*DOMAINS, "Other"]
        if any(r.domain == d for r in rows)
    }
    return {"all": aggregate([r.metrics for r in rows]), "by_domain": by_domain}


def run(bench: Benchmark, queries: Sequence[Query]) -> dict[str, Any]:
    """Every query, in every mode, in both settings: the summary written to qmsum.json."""
    modes = [m for m in MODES if m in ("random", "hybrid-nocues") or m in bench.modes]
    results: dict[str, dict[str, Any]] = {s: {} for s in SETTINGS}
    comparisons: dict[str, Any] = {}
    ranks: dict[str, dict[str, Any]] = {s: {} for s in SETTINGS}
    seconds: dict[str, float] = {}
    total = len(queries) * len(modes) * len(SETTINGS)
    with tqdm(total=total, desc="search", unit="query", file=sys.stderr) as bar:
        for setting in SETTINGS:
            per_mode: dict[str, list[QueryResult]] = {}
            for mode in modes:
                began = time.perf_counter()
                per_mode[mode] = []
                for q in queries:
                    per_mode[mode].append(bench.score(mode, q, setting))
                    bar.update(1)
                seconds[f"{setting}/{mode}"] = time.perf_counter() - began
            results[setting] = {m: summarise(rows) for m, rows in per_mode.items()}
            if bench.skipped:
                results[setting]["hybrid+rerank"] = {"skipped": bench.skipped}
            comparisons[setting] = compare(per_mode)
            ranks[setting] = {m: [r.rank for r in rows] for m, rows in per_mode.items()}
    return {
        "results": results,
        "comparisons": comparisons,
        "ranks": ranks,
        "query_ids": [q.id for q in queries],
        "speaker_narrowing": bench.speaker_narrowing(queries),
        "search_ms_per_query": {
            key: round(1000 * s / max(len(queries), 1), 1) for key, s in seconds.items()
        },
    }
