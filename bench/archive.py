"""A million real chunks through the whole product: a benchmark script, not a test (issue 21).

    python -m bench.archive [--n 1000000] [--questions 100] [--out bench/results]
                            [--from DIR ...] [--work DIR] [--store folder|postgres]
                            [--from-folder] [--exact-questions N]

The archive is real material resampled: whole speaker turns of the meetings in existing folder
indexes (default build/qmsum-val/index, build/fusion-train/index; `--from` to name others),
with their chunks, sentences and the vectors the product computed for them, put one after the
other into new documents (archive-000123.txt) as long as real meetings, offsets shifted into
the new text and chunk ids recomputed (bench/archive_build.py). Nothing is embedded again: the
result says how many distinct chunk and sentence texts the archive holds. The index is made by
the product (`Index.build`, HNSW above the default ANN threshold) and saved into `--work`;
each stage is timed (resample, vectors, BM25, write) and the folder's size recorded.

Then a fresh process (this script, `--measure`) loads it as the product does
(`Assistant.load`, extractive backend) and asks the QMSum val queries of
../shared/data/qmsum/val over the whole archive, one at a time after 3 warm-up questions:
load time, ask p50/p95/mean, peak and current resident memory. The same questions asked of the
first source index alone (the model loaded there first) give the in-run baseline and the ratio
of p50s. Writes bench/results/archive.json.

`--store postgres` (bench/archive_pg.py): the same archive (built as above, or with
`--from-folder` the one already at `--work`/index) copied into a private PostgreSQL + pgvector
by the product's `copy_index`, and the same questions asked of that database; written under
the key "postgres" of archive.json, beside the folder's figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bench.archive_measure import portable
from eval.paths import QMSUM_VAL, ROOT, save_json, shown

OUT = ROOT / "bench" / "results"
SOURCES = (ROOT / "build" / "qmsum-val" / "index", ROOT / "build" / "fusion-train" / "index")
TARGETS = {"ask_p50_ms": "<= 50", "rss_mb": "<= 12000"}
# What `build` reports, kept by --measure-only
BUILT = (
    "sources",
    "index",
    "n_requested",
    "vector_index",
    "n_documents_built",
    "distinct_chunk_texts",
    "distinct_sentence_texts",
    "source_meetings",
    "build_s",
    "disk_mb",
    "load_average_before",
)
MEMORY_FLOOR_MB = 4000  # stop when less than this is left (24 GB machine: ~20 GB used)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1_000_000, help="chunks in the archive")
    p.add_argument("--questions", type=int, default=100)
    p.add_argument(
        "--exact-questions",
        type=int,
        help="--store postgres: ask only this many of the questions again with exact scans "
        "(default all; a million rows take seconds a scan)",
    )
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--from", dest="sources", type=Path, action="append")
    p.add_argument("--work", type=Path, help="where the index is built (default build/archive-N)")
    p.add_argument("--store", choices=("folder", "postgres"), default="folder")
    p.add_argument("--data", type=Path, default=QMSUM_VAL)
    p.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--small", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--report", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--store-url", help=argparse.SUPPRESS)  # --measure: ask this database
    p.add_argument(
        "--from-folder",
        action="store_true",
        help="--store postgres: copy the archive folder index at --work/index into the "
        "database instead of resampling one",
    )
    p.add_argument(
        "--measure-only",
        action="store_true",
        help="ask the archive already built in --work again (its build figures are kept)",
    )
    args = p.parse_args()
    if args.measure:
        from bench.archive_measure import measure

        found = measure(
            args.work, args.small, args.data, args.questions, args.store_url, args.exact_questions
        )
        save_json(args.report, found)
        return
    sources = [s for s in (args.sources or SOURCES) if (s / "manifest.json").is_file()]
    if not sources:
        named = ", ".join(shown(s) for s in (args.sources or SOURCES))
        raise SystemExit(f"No source index found (looked at {named}): pass --from DIR.")
    work = args.work or ROOT / "build" / f"archive-{_short(args.n)}"
    said = [portable(a) if a.startswith("/") else a for a in sys.argv[1:]]
    result: dict[str, Any] = {"command": " ".join(["python -m bench.archive", *said])}
    if args.store == "postgres":
        from bench.archive_pg import postgres

        postgres(result, sources, work, args)
        return
    if args.measure_only:
        if not (work / "index" / "manifest.json").is_file():
            raise SystemExit(f"No archive at {shown(work)}: run without --measure-only first.")
        kept = json.loads((args.out / "archive.json").read_text("utf-8"))
        result |= {k: kept[k] for k in BUILT if k in kept} | {"measure_only": True}
    else:
        result |= build(sources, args.n, work)
    result |= fresh_measure(work, sources[0], args.data, args.questions)
    result |= {"cpus": os.cpu_count(), "load_average_after": [round(x, 2) for x in os.getloadavg()]}
    result["targets"] = TARGETS
    result["meets_targets"] = {
        "ask_p50_ms": result["ask_p50_ms"] <= 50,
        "rss_mb": result["rss_mb"] <= 12000,
    }
    before = args.out / "archive.json"  # the database's figures (--store postgres) stay
    if before.is_file() and "postgres" in (kept := json.loads(before.read_text("utf-8"))):
        result["postgres"] = kept["postgres"]
    save_json(before, result)
    print(json.dumps(result, indent=2))


def fresh_measure(
    work: Path,
    small: Path,
    data: Path,
    questions: int,
    store_url: str | None = None,
    exact_questions: int | None = None,
) -> dict[str, Any]:
    """`measure` in a fresh process (this script, `--measure`): the archive at `work/index`,
    or in the database at `store_url`; its figures."""
    report = work.parent / f".{work.name}-measure.json"
    asked: tuple[str, ...] = ("--store-url", store_url) if store_url else ()
    if exact_questions is not None:
        asked += ("--exact-questions", str(exact_questions))
    subprocess.run(
        [
            *(sys.executable, "-m", "bench.archive", "--measure", "--work", str(work / "index")),
            *("--small", str(small), "--data", str(data), *asked),
            *("--questions", str(questions), "--report", str(report)),
        ],
        check=True,
        cwd=ROOT,
    )
    found: dict[str, Any] = json.loads(report.read_text("utf-8"))
    report.unlink()
    return found


def build(sources: list[Path], n: int, work: Path) -> dict[str, Any]:
    """Resample, build and save the archive's index at `work/index`; what it took."""
    from bench.archive_build import catalogue, parts, plan
    from webinar_rag.core import Settings
    from webinar_rag.store import Index

    stages: dict[str, float] = {}
    load_before = [round(x, 2) for x in os.getloadavg()]
    began = time.perf_counter()
    cat = catalogue(sources)
    docs = plan(cat, n)
    scratch = work / "scratch"
    archive = parts(cat, docs, scratch)
    stages["resample"] = time.perf_counter() - began
    manifest = cat.manifest
    del cat
    gc.collect()
    _check_memory("after resampling")
    began = time.perf_counter()
    with ticking("build the index (HNSW, sentence vectors, BM25)"):
        index = Index.build(manifest, archive.parts, Settings().index.ann_threshold)
    stages["index"] = time.perf_counter() - began
    distinct = {
        "n_documents_built": len(archive.parts),
        "distinct_chunk_texts": archive.distinct_chunk_texts,
        "distinct_sentence_texts": archive.distinct_sentence_texts,
        "source_meetings": archive.source_meetings,
    }
    del archive
    gc.collect()
    shutil.rmtree(scratch, ignore_errors=True)
    _check_memory("after building the index")
    began = time.perf_counter()
    with ticking("write the index folder"):
        index.save(work / "index")
    stages["write"] = time.perf_counter() - began
    disk = sum(f.stat().st_size for f in (work / "index").rglob("*") if f.is_file())
    return {
        "sources": [portable(s) for s in sources],
        "index": portable(work / "index"),
        "n_requested": n,
        "vector_index": index.manifest.vector_index,
        **distinct,
        "build_s": {k: round(v, 1) for k, v in stages.items()},
        "disk_mb": round(disk / 2**20, 1),
        "load_average_before": load_before,
    }


@contextmanager
def ticking(
    desc: str | None, bar: tqdm | None = None, note: Callable[[], str] | None = None
) -> Iterator[None]:
    """A bar whose elapsed time moves while one long call (no progress of its own) runs;
    `note()`, if given, is shown beside it every 5 s (called on the bar's own thread)."""
    own = bar is None
    shown_bar = tqdm(total=1, desc=desc, unit="step") if bar is None else bar
    done = threading.Event()

    def tick() -> None:
        while not done.wait(5):
            if note is not None:
                shown_bar.set_postfix_str(note())
            shown_bar.refresh()

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        if own:
            shown_bar.update()
            shown_bar.close()


def _check_memory(when: str) -> None:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            left = int(line.split()[1]) / 1024
            if left < MEMORY_FLOOR_MB:
                raise SystemExit(f"Stopped {when}: only {left:.0f} MB of memory left.")


def _short(n: int) -> str:
    return f"{n // 1_000_000}m" if n % 1_000_000 == 0 else f"{n // 1000}k"


if __name__ == "__main__":
    main()
