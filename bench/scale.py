"""Dense search at archive scale: a benchmark script, not a test.

    python -m bench.scale [--n 1000000] [--queries 200] [--out bench/results]

Synthetic but shaped like meeting chunks (384 dimensions, as MiniLM or e5 alone): a shared
direction every vector leans on (sentence embeddings are anisotropic: unrelated chunks still
score ~0.2), 1,000 topics, meetings of 200 chunks around a topic, chunks around their meeting.
Questions are drawn like chunks of random meetings, with more noise. The exact answer is a flat
scan; each row reports recall@10 against it, single-question latency (one thread, as a query
runs in the product), build time and the memory the index added to the process.

Rows: the store's flat index and its HNSW (webinar_rag.store.folder.vectors, several
efSearch, and the Searcher's 1,000 candidates), filtered searches (the rows of 1% and 10% of
the meetings, as a speaker or a series of meetings would admit: scored exactly, as the store
does, and through HNSW with an IDSelector for contrast), and a plain LangChain FAISS store.
Writes scale.json (a list of rows) and scale.png; `python -m bench.pg_scale` adds
PostgreSQL + pgvector rows on the same synthetic vectors to the same file.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from eval.paths import save_json

OUT = Path(__file__).resolve().parent / "results"
DIM = 384


def synthetic(n: int, queries: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(vectors, questions, meeting of each row): unit rows, clustered as described above."""
    rng = np.random.default_rng(seed)
    common = _unit(rng.standard_normal(DIM, dtype=np.float32))
    topics = _unit(rng.standard_normal((1000, DIM), dtype=np.float32))
    meetings = max(1, n // 200)
    centre = _unit(topics[rng.integers(0, 1000, meetings)] * 1.0 + _noise(rng, meetings, 0.9))
    meeting_of = rng.integers(0, meetings, n)
    vectors = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):
        rows = meeting_of[start : start + 100_000]
        block = 0.45 * common + centre[rows] + _noise(rng, len(rows), 1.1)
        vectors[start : start + len(rows)] = _unit(block)
    asked = rng.integers(0, meetings, queries)
    questions = _unit(0.45 * common + centre[asked] + _noise(rng, queries, 1.3))
    return vectors, questions, meeting_of


def _noise(rng: np.random.Generator, rows: int, scale: float) -> np.ndarray:
    return rng.standard_normal((rows, DIM), dtype=np.float32) * (scale / np.sqrt(DIM))


def _unit(x: np.ndarray) -> np.ndarray:
    return np.asarray(x / np.linalg.norm(x, axis=-1, keepdims=True), dtype=np.float32)


def rss_mb() -> float:
    """This process's resident memory, from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(search: Callable[[np.ndarray], np.ndarray], questions: np.ndarray, truth: np.ndarray):
    """p50/p95 ms of one question at a time, and recall@10 against `truth`."""
    for q in questions[:5]:
        search(q)
    times, hits = [], 0
    for q, right in zip(questions, truth, strict=True):
        began = time.perf_counter()
        found = search(q)
        times.append((time.perf_counter() - began) * 1000)
        hits += len(set(found[:10].tolist()) & set(right[:10].tolist()))
    return {
        "p50_ms": round(float(np.percentile(times, 50)), 3),
        "p95_ms": round(float(np.percentile(times, 95)), 3),
        "recall_at_10": round(hits / (10 * len(questions)), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--cache", type=Path, help="keep the HNSW graph here, for a rerun")
    parser.add_argument("--plot", action="store_true", help="only redraw scale.png")
    args = parser.parse_args()
    if args.plot:
        plot(json.loads((args.out / "scale.json").read_text()), args.out / "scale.png")
        return
    import faiss

    from webinar_rag.store import vectors as vector_index

    rows: list[dict[str, Any]] = []
    n = args.n

    def row(store: str, index: str, build_s: float, memory_mb: float, **found: Any) -> None:
        rows.append(
            {"store": store, "index": index, "n": n, "dim": DIM, "build_s": round(build_s, 1)}
            | {"memory_mb": round(memory_mb, 1)}
            | found
        )
        print(json.dumps(rows[-1]), flush=True)

    began = time.perf_counter()
    vectors, questions, meeting_of = synthetic(n, args.queries)
    print(f"made {n} vectors in {time.perf_counter() - began:.0f} s", flush=True)
    faiss.omp_set_num_threads(os.cpu_count() or 1)  # builds on every core
    base = rss_mb()
    began = time.perf_counter()
    flat: Any = vector_index.build(vectors, DIM, limit=n)  # at the limit: still flat
    flat_s, flat_mb = time.perf_counter() - began, rss_mb() - base
    _, truth = flat.search(questions, 10)
    shape = _shape(flat, vectors, questions, truth)
    print("shape of the data:", shape, flush=True)
    faiss.omp_set_num_threads(1)  # a question runs on one thread
    found = measure(lambda q: vector_index.search(flat, q, 10, None)[1], questions, truth)
    row("faiss (store)", "flat (exact)", flat_s, flat_mb, **found)

    base = rss_mb()
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    began = time.perf_counter()
    cached = args.cache and args.cache.is_file()
    if cached:  # a rerun reads the graph built before (and reports that build's time)
        hnsw: Any = faiss.read_index(str(args.cache))
        hnsw_s = json.loads(args.cache.with_suffix(".json").read_text())["build_s"]
    else:
        hnsw = vector_index.build(vectors, DIM, limit=n - 1)
        hnsw_s = time.perf_counter() - began
        if args.cache:
            faiss.write_index(hnsw, str(args.cache))
            args.cache.with_suffix(".json").write_text(json.dumps({"build_s": hnsw_s}))
    hnsw_mb = rss_mb() - base
    faiss.omp_set_num_threads(1)
    for ef in (64, 128, vector_index.EF_SEARCH, 256):
        hnsw.hnsw.efSearch = ef
        found = measure(lambda q: vector_index.search(hnsw, q, 10, None)[1], questions, truth)
        row(
            "faiss (store)", f"hnsw M={vector_index.HNSW_M} efSearch={ef}", hnsw_s, hnsw_mb, **found
        )
    hnsw.hnsw.efSearch = vector_index.EF_SEARCH
    # What the Searcher asks for: its 1,000 candidates (efSearch 1000), of which the top 10.
    found = measure(lambda q: vector_index.search(hnsw, q, 1000, None)[1], questions, truth)
    row("faiss (store)", "hnsw, 1000 candidates (the Searcher's depth)", hnsw_s, hnsw_mb, **found)
    # Filters by meeting (a speaker's or a series' rows): 1% and 10% of the meetings, through
    # the store's rule (exact below EXACT_SUBSET rows), and HNSW + IDSelector for contrast.
    for share, label in ((100, "1%"), (10, "10%")):
        admitted = np.flatnonzero(meeting_of % share == 3)
        sub = faiss.IndexFlatIP(DIM)
        sub.add(vectors[admitted])
        filtered_truth = admitted[sub.search(questions, 10)[1]]
        del sub
        found = measure(partial(_admitted, hnsw, admitted), questions, filtered_truth)
        row("faiss (store)", f"filter {label} of meetings: exact rows", hnsw_s, 0, **found)
        hnsw.hnsw.efSearch = vector_index.EF_SEARCH
        sel = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
        sel.sel = faiss.IDSelectorBatch(admitted.astype(np.int64))
        sel.efSearch = int(min(vector_index.MAX_EF, vector_index.EF_SEARCH * share))
        found = measure(partial(_selected, hnsw, sel), questions, filtered_truth)
        row("faiss (store)", f"filter {label} of meetings: hnsw + IDSelector", hnsw_s, 0, **found)
    hnsw = flat = None  # freed before the next store is built
    gc.collect()

    rows.extend(_langchain(vectors, questions, truth, n))
    print(json.dumps(rows[-1]), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    for r in rows:
        r["data"] = shape
    save_json(args.out / "scale.json", rows)
    plot(rows, args.out / "scale.png")


def _admitted(index: Any, rows: np.ndarray, q: np.ndarray) -> np.ndarray:
    from webinar_rag.store import vectors as vector_index

    return vector_index.search(index, q, 10, rows)[1]


def _selected(index: Any, params: Any, q: np.ndarray) -> np.ndarray:
    return np.asarray(index.search(q.reshape(1, -1), 10, params=params)[1][0])


def _shape(flat: Any, vectors: np.ndarray, questions: np.ndarray, truth: np.ndarray) -> str:
    """How the synthetic data looks, in the terms of real embeddings' similarities."""
    rng = np.random.default_rng(1)
    pairs = rng.integers(0, len(vectors), (2000, 2))
    unrelated = float(np.median(np.sum(vectors[pairs[:, 0]] * vectors[pairs[:, 1]], axis=1)))
    best, _ = flat.search(questions[:50], 10)
    return (
        f"median cosine of random pairs {unrelated:.2f}; a question's best match "
        f"{float(np.median(best[:, 0])):.2f}, its 10th {float(np.median(best[:, 9])):.2f}"
    )


def _langchain(vectors: np.ndarray, questions: np.ndarray, truth: np.ndarray, n: int) -> list:
    """LangChain's FAISS store as a user builds it (flat L2, an in-memory docstore)."""
    import warnings

    from langchain_core.embeddings import Embeddings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from langchain_community.vectorstores import FAISS

    class Given(Embeddings):  # the vectors are given: nothing to embed
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            raise NotImplementedError

        def embed_query(self, text: str) -> list[float]:
            raise NotImplementedError

    base = rss_mb()
    began = time.perf_counter()
    pairs = ((f"chunk {i}", vectors[i]) for i in range(n))
    store = FAISS.from_embeddings(pairs, Given(), ids=[str(i) for i in range(n)])
    build_s, memory = time.perf_counter() - began, rss_mb() - base

    def search(q: np.ndarray) -> np.ndarray:
        found = store.similarity_search_with_score_by_vector(q.tolist(), k=10)
        return np.asarray([int(str(doc.id)) for doc, _ in found])

    found = measure(search, questions, truth)
    return [
        {"store": "langchain FAISS", "index": "flat L2 (exact)", "n": n, "dim": DIM}
        | {"build_s": round(build_s, 1), "memory_mb": round(memory, 1)}
        | found
    ]


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(11, 5))
    markers = "os^Dv<>pP*Xh"
    for i, r in enumerate(rows):
        label = f"{r['store']}: {r['index']} (n={r['n']:,})"
        ax.scatter(
            r["p50_ms"], r["recall_at_10"], s=45, marker=markers[i % len(markers)], label=label
        )
    ax.set_xscale("log")
    ax.axvline(10, color="grey", lw=0.8, ls="--")
    ax.axhline(0.95, color="grey", lw=0.8, ls="--")
    ax.set_xlabel("query p50 (ms, one thread, log scale)")
    ax.set_ylabel("recall@10 against exact search")
    ax.set_title("Dense search at archive scale (bench/scale.py, bench/pg_scale.py)")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
