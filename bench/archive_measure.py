"""The measuring half of bench/archive.py, run in a fresh process (`python -m bench.archive
--measure`), so that resident memory is the product's and not the builder's: the small index
first (it loads the model), then the archive, the small assistant dropped before; the same
QMSum val queries asked of both, one at a time after three warm-up questions."""

from __future__ import annotations

import gc
import statistics
import tempfile
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

from tqdm import tqdm

from eval.paths import shown


def portable(path: Path | str) -> str:
    """`eval.paths.shown`, and a path under the temporary folder as `$TMPDIR/...`: the result
    file names no absolute path."""
    named = shown(path)
    tmp = Path(tempfile.gettempdir())
    if Path(named).is_absolute() and Path(named).resolve().is_relative_to(tmp):
        return "$TMPDIR/" + Path(named).resolve().relative_to(tmp).as_posix()
    return named


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM, MB). Not `ru_maxrss`: Linux carries that
    across fork and exec, so a process started by one holding a loaded archive reports the
    parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def measure(
    index: Path,
    small: Path,
    data: Path,
    n_questions: int,
    store_url: str | None = None,
    exact_questions: int | None = None,
) -> dict[str, Any]:
    """Load and ask, in this (fresh) process: the small index first (it loads the model), then
    the archive (the folder at `index`, or the database at `store_url`), the small assistant
    dropped before. A database is asked again with exact scans: the first `exact_questions`
    of the questions (all when None; an exact scan of a million rows takes seconds)."""
    from eval.qmsum.data import load_dataset

    meetings, _ = load_dataset(data)
    queries = [q.text for m in meetings for q in m.queries]
    small_row, questions = _asked(small, queries, n_questions)
    gc.collect()
    row, _ = _asked(index, questions, n_questions, store_url)
    row["rss_mb"] = peak_rss_mb()
    answers = row.pop("answers")
    times = row.pop("times_ms")
    if store_url is not None:  # the same questions with every dense search an exact scan
        gc.collect()
        n_exact = (
            len(questions) if exact_questions is None else min(exact_questions, len(questions))
        )
        exact, _ = _asked(index, questions[:n_exact], n_exact, store_url, exact=True)
        same = [a == b for a, b in zip(answers[:n_exact], exact.pop("answers"), strict=True)]
        hnsw_p50 = statistics.median(times[:n_exact])  # the same questions' HNSW times
        row["exact_scan"] = {
            k: exact[k] for k in ("ask_p50_ms", "ask_p95_ms", "refused", "profile_ms_per_question")
        } | {
            "n_questions": n_exact,
            "hnsw_ask_p50_ms_same_questions": round(hnsw_p50, 1),
            "same_answer_share": round(sum(same) / max(1, len(same)), 3),
            "ratio_ask_p50_to_exact": round(hnsw_p50 / exact["ask_p50_ms"], 3),
            "note": "PgStore.exact_rows raised past the table: every dense search scans "
            "exactly, as the database did before HNSW was used below 100,000 rows; "
            "same_answer_share: the answer's text and cited chunks are identical",
        }
    skipped = small_row.pop("skipped")
    small_row.pop("answers")
    small_row.pop("times_ms")
    row["small_index"] = small_row | {"index": portable(small)}
    row["ratio_ask_p50_archive_to_small"] = round(row["ask_p50_ms"] / small_row["ask_p50_ms"], 2)
    row["questions_from"] = portable(data)
    row["n_questions"] = len(questions)
    row["skipped_questions"] = skipped  # turned down by the small index before searching
    row["note"] = (
        "load_s of the archive: its index alone (the model was loaded with the small index, "
        "whose load_s includes it); rss_mb: peak resident memory of the measuring process "
        "(VmHWM), rss_after_mb: VmRSS after the archive's questions."
    )
    return row


def _asked(
    path: Path, queries: list[str], limit: int, store_url: str | None = None, exact: bool = False
) -> tuple[dict[str, Any], list[str]]:
    """Load the index at `path` (or in the database at `store_url`), warm up on 3 questions and
    time `limit` of `queries` one by one. A query the product turns down before searching
    (`QuestionError`: a whole-meeting overview over more than 20 documents) is skipped and
    counted; the questions timed are returned, so the archive is asked the same ones."""
    from bench.scale import rss_mb
    from retrieval import Assistant
    from webinar_rag.core import QuestionError, Settings

    settings = Settings.from_env(parts=("models", "query")).changed(backend="extractive")
    if store_url is None:
        settings = settings.at_index(path)
    else:
        settings = settings.changed(store_url=store_url)
    began = time.perf_counter()
    assistant = Assistant.load(settings)
    load_s = time.perf_counter() - began
    if exact:
        database: Any = assistant.store  # a PgStore: every dense search an exact scan
        database.exact_rows = 2**62
    rss_loaded = rss_mb()
    warm = 0
    for q in queries:  # warm-up: the first three the product answers
        with suppress(QuestionError):
            assistant.ask(q)
            warm += 1
        if warm == 3:
            break
    times: list[float] = []
    asked: list[str] = []
    skipped: list[str] = []
    refused = 0
    answers: list[tuple[str, list[str]]] = []
    bar = tqdm(
        total=limit, desc=f"ask {'postgres' if store_url else path.parent.name}", unit="question"
    )
    for q in queries:
        if len(asked) == limit:
            break
        began = time.perf_counter()
        try:
            answer = assistant.ask(q)
        except QuestionError as exc:
            skipped.append(f"{q} ({type(exc).__name__}: {exc})")
            continue
        times.append((time.perf_counter() - began) * 1000)
        refused += bool(answer.refused)
        answers.append((answer.text, [c.chunk_id for c in answer.citations]))
        asked.append(q)
        bar.update()
    bar.close()
    ordered = sorted(times)
    profile = _profiled(assistant, asked[:30])
    store: Any = assistant.store
    row = {
        "load_s": round(load_s, 1),
        "ask_p50_ms": round(statistics.median(ordered), 1),
        "ask_p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
        "ask_mean_ms": round(statistics.fmean(ordered), 1),
        "refused": refused,
        "rss_loaded_mb": round(rss_loaded, 1),
        "rss_after_mb": round(rss_mb(), 1),
        "n_chunks": len(store.chunks),
        # the database's count is the loader's (PgStore reads sentence vectors as asked)
        "n_sentences": int(store.index.sentence_vectors.ntotal) if store_url is None else None,
        "n_documents": len(store.sources),
        "skipped": skipped,
        "profile_ms_per_question": profile,
        "answers": answers,
        "times_ms": times,
    }
    return row, asked


# Where a question's time goes: these functions' cumulative time (cProfile, a second pass
# after the timed one, so the profiler's overhead is not in the figures above).
PARTS = {
    "embed the question (both models side by side)": "embed_query",
    "dense search": "dense",
    "BM25": "lexical",
    "exact scores of candidates": "similarity",
    "fusion and passages (search)": "search",
    "the extractive answer": "answer",
}


def _profiled(assistant: Any, questions: list[str]) -> dict[str, float]:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for q in questions:
        assistant.ask(q)
    profiler.disable()
    read: Any = pstats.Stats(profiler)
    stats = read.stats  # {(file, line, name): (calls, calls, own time, cumulative, callers)}
    found: dict[str, float] = {}
    for label, name in PARTS.items():
        total = sum(v[3] for k, v in stats.items() if k[2] == name and "site-packages" not in k[0])
        found[label] = round(1000 * total / max(1, len(questions)), 1)
    return found
