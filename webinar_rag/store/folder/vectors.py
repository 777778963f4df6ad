"""The chunk vectors' FAISS index: exact below a size threshold, HNSW above it.

Below `IndexSettings.ann_threshold` chunks (default 100,000) a flat inner-product index is
scanned whole: at 100k x 384 that is about 14 ms a question, and every score is exact. Above
it, `IndexHNSWFlat` (M=32): it keeps the full vectors (scores stay exact, only the candidate
set is approximate) and answers in about a millisecond at a million chunks (bench/scale.py).
The choice and its parameters are recorded in the manifest (`vector_index`).

Filters stay exact: a search under a filter never returns a row outside it. A filtered set of
at most `EXACT_SUBSET` rows (a speaker, a meeting, a few meetings) is scored exactly, row by row
(`fvec_inner_products_by_idx`: ~1 ms per 10,000 rows on one loaded core); a larger one is
searched through HNSW with an `IDSelectorBatch`, its `efSearch` raised as the filter narrows.
HNSW under a narrow filter loses recall when the filter and the question are related (measured
at 1M: 0.58 for a 10% filter of whole meetings), hence the generous exact limit.
"""

from __future__ import annotations

from typing import Any

import faiss
import numpy as np

from webinar_rag.store.base import EXACT_SUBSET

HNSW_M = 32  # graph degree: recall 0.95+ at 1M with efSearch ~ 128-256 (bench/scale.py)
EF_CONSTRUCTION = 80
EF_SEARCH = 160
MAX_EF = 4096


def build(vectors: np.ndarray, dimension: int, limit: int) -> faiss.Index:
    """A flat index, or HNSW when there are more than `limit` vectors."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, dimension)
    index: faiss.Index
    if len(vectors) > limit:
        index = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = EF_CONSTRUCTION
        index.hnsw.efSearch = EF_SEARCH
    else:
        index = faiss.IndexFlatIP(dimension)
    if len(vectors):
        index.add(vectors)
    return index


def describe(index: faiss.Index) -> dict[str, Any]:
    """What the manifest records about the index."""
    if isinstance(index, faiss.IndexHNSW):
        return {
            "kind": "hnsw",
            "M": HNSW_M,
            "efConstruction": int(index.hnsw.efConstruction),
            "efSearch": int(index.hnsw.efSearch),
            "exact": False,
        }
    return {"kind": "flat", "exact": True}


def is_exact(index: faiss.Index) -> bool:
    return not isinstance(index, faiss.IndexHNSW)


def search(
    index: faiss.Index, vector: np.ndarray, depth: int, rows: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """(scores, rows) of the best `depth` rows (of `rows`, if given), best first."""
    query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
    total = index.ntotal if rows is None else len(rows)
    depth = min(depth, total)
    if depth <= 0:
        return np.zeros(0, np.float32), np.zeros(0, np.int64)
    if rows is not None and len(rows) <= EXACT_SUBSET:
        scores = similarity(index, query[0], rows)
        best = np.argsort(-scores, kind="stable")[:depth]
        return scores[best], rows[best]
    params: Any = None
    if isinstance(index, faiss.IndexHNSW):
        share = 1.0 if rows is None else len(rows) / index.ntotal
        ef = int(min(MAX_EF, max(index.hnsw.efSearch, depth) / share))
        params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
        params.efSearch = ef
        if rows is not None:
            params.sel = faiss.IDSelectorBatch(rows.astype(np.int64))
    elif rows is not None:
        params = faiss.SearchParameters()
        params.sel = faiss.IDSelectorBatch(rows.astype(np.int64))
    scores, ids = index.search(query, depth, params=params)
    found = ids[0] >= 0
    return scores[0][found], ids[0][found]


def similarity(index: faiss.Index, vector: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Exact inner products of some rows' stored vectors with `vector`."""
    if not len(rows):
        return np.zeros(0, np.float32)
    ids = np.ascontiguousarray(rows, dtype=np.int64)
    query = np.ascontiguousarray(vector, dtype=np.float32)
    stored = stored_vectors(index)
    out = np.empty(len(ids), dtype=np.float32)
    faiss.fvec_inner_products_by_idx(  # type: ignore[attr-defined]
        faiss.swig_ptr(out),
        faiss.swig_ptr(query),
        faiss.swig_ptr(stored),
        faiss.swig_ptr(ids),
        stored.shape[1],
        1,
        len(ids),
    )
    return out


def stored_vectors(index: faiss.Index) -> np.ndarray:
    """The index's full vectors as a read-only numpy view (no copy): flat and HNSW-flat keep
    them in one contiguous array."""
    flat: Any = faiss.downcast_index(index.storage) if isinstance(index, faiss.IndexHNSW) else index
    view = faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(flat.ntotal, flat.d)
    view.flags.writeable = False
    return view
