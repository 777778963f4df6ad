"""The chunk index: flat up to the threshold, HNSW above it; filters exact either way."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest

from webinar_rag.core import ConfigError, IndexSettings
from webinar_rag.store import FaissStore, Filter, Index, load_index
from webinar_rag.store import vectors as vector_index
from webinar_rag.store.base import top


def unit_rows(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_the_index_is_flat_up_to_the_threshold_and_hnsw_above() -> None:
    vectors = unit_rows(300)
    assert vector_index.describe(vector_index.build(vectors, 32, limit=300))["kind"] == "flat"
    hnsw = vector_index.build(vectors, 32, limit=299)
    assert vector_index.describe(hnsw) == {
        "kind": "hnsw",
        "M": vector_index.HNSW_M,
        "efConstruction": vector_index.EF_CONSTRUCTION,
        "efSearch": vector_index.EF_SEARCH,
        "exact": False,
    }
    assert IndexSettings().ann_threshold == 100_000
    assert IndexSettings.from_env({"WEBINAR_RAG_ANN_THRESHOLD": "300"}).ann_threshold == 300
    with pytest.raises(ConfigError, match="WEBINAR_RAG_ANN_THRESHOLD"):
        IndexSettings.from_env({"WEBINAR_RAG_ANN_THRESHOLD": "not a number"})


def test_hnsw_finds_the_exact_neighbours_and_filters_never_leak() -> None:
    vectors, questions = unit_rows(3000), unit_rows(40, seed=1)
    hnsw = vector_index.build(vectors, 32, limit=0)
    exact = faiss.IndexFlatIP(32)
    exact.add(vectors)
    truth = exact.search(questions, 10)[1]
    found = [vector_index.search(hnsw, q, 10, None)[1] for q in questions]
    recall = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth, strict=True)])
    assert recall >= 0.9
    rows = np.arange(0, 3000, 7)  # a small filter: scored exactly
    for q in questions[:5]:
        scores, ids = vector_index.search(hnsw, q, 10, rows)
        assert set(ids) <= set(rows)
        best = rows[np.argsort(-(vectors[rows] @ q), kind="stable")[:10]]
        assert list(ids) == list(best)
        assert np.allclose(scores, vectors[ids] @ q, atol=1e-5)
    wide = np.arange(0, 3000, 2)  # wider than EXACT_SUBSET allows: through HNSW + IDSelector
    old, vector_index.EXACT_SUBSET = vector_index.EXACT_SUBSET, 100
    try:
        _, ids = vector_index.search(hnsw, questions[0], 10, wide)
    finally:
        vector_index.EXACT_SUBSET = old
    assert len(ids) == 10 and set(ids) <= set(wide)


@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("filtered", [False, True])
@pytest.mark.parametrize("depth", [1, 7, 400, 2000])
def test_top_is_a_stable_sort_of_the_admitted_rows(
    positive: bool, filtered: bool, depth: int
) -> None:
    rng = np.random.default_rng(depth)
    # few distinct values, many ties, zeros and negatives (BM25 gives zeros, cosines negatives)
    scores = rng.integers(-3, 6, size=1000).astype(np.float32) / 4
    rows = np.sort(rng.choice(1000, size=300, replace=False)) if filtered else None
    admitted = np.arange(1000) if rows is None else rows
    if positive:
        admitted = admitted[scores[admitted] > 0]
    expected = sorted(admitted.tolist(), key=lambda r: (-scores[r], r))[:depth]
    found = top(scores, rows, depth, positive=positive)
    assert [r for r, _ in found] == expected
    assert [s for _, s in found] == [float(scores[r]) for r in expected]
    assert all(type(r) is int and type(s) is float for r, s in found)


@pytest.mark.slow
def test_a_store_over_hnsw_answers_with_exact_filters(index_dir: Path) -> None:
    """The shipped index rebuilt above a threshold of 0 chunks: HNSW, recorded as such."""
    index = load_index(index_dir)
    assert index.manifest.vector_index["kind"] == "flat"
    parts = [index.part(name) for name in index.sources]
    rebuilt = Index.build(index.manifest, parts, ann_threshold=0)
    assert [c.id for c in rebuilt.chunks] == [c.id for c in index.chunks]
    assert rebuilt.manifest.vector_index["kind"] == "hnsw"
    store, flat = FaissStore(rebuilt), FaissStore(index)
    vector = np.asarray(index.chunk_vectors.reconstruct(5), np.float32)
    assert [r for r, _ in store.dense(vector, 5)] == [r for r, _ in flat.dense(vector, 5)]
    speaker = Filter(speakers=frozenset({"Makiko Tsuda"}))
    rows = [r for r, _ in store.dense(vector, 50, speaker)]
    assert rows and all(store.chunks[r].speaker == "Makiko Tsuda" for r in rows)
    assert np.allclose(store.similarity(vector, rows), flat.similarity(vector, rows), atol=1e-6)
