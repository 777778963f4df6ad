"""Retrieval benchmark on QMSum's val split: does search find the turns that hold the evidence?

python -m eval.qmsum [--data DIR] [--out eval/results] [--limit-meetings N]

Each meeting's turns go through the project's ingest path (Turn -> Chunk -> embedder -> Index)
and are searched with `retrieval.retriever.Searcher` in its bm25, dense and hybrid modes, under
two chunkings (the speaker-turn chunker, and windows of consecutive turns), in two settings:
within one meeting, and pooled over all meetings. Nothing is written outside `--out`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from ingest.chunks import Chunk, chunk_id, chunk_turns, normalise, turn_sentences
from ingest.embedder import Embedder, load_embedder
from ingest.errors import DatasetError, RerankerNotFound
from ingest.index import Index, Manifest, Source
from ingest.settings import ChunkerSettings, default_model_path
from ingest.turns import Turn
from retrieval import Settings
from retrieval.rerank import Reranker, load_reranker
from retrieval.retriever import Searcher
from retrieval.settings import RetrievalMode

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "qmsum" / "val"
RERANK_ENV = "WEBINAR_RAG_RERANK_MODEL"
K = 10  # retrieve this many; every metric is @k for k <= K
HIT_KS = (1, 3, 5, 10)
RECALL_KS = (5, 10)
MODES = ("bm25", "dense", "hybrid", "hybrid+rerank", "random")
MODE_LABELS = {
    "bm25": "BM25 only (baseline)",
    "dense": "dense only",
    "hybrid": "hybrid (RRF)",
    "hybrid+rerank": "hybrid + rerank",
    "random": "random order (floor)",
}
DOMAINS = {
    "Academic": ("Bed", "Bmr", "Bro"),
    "Product": ("ES", "IS", "TS"),
    "Committee": ("covid_", "education_"),
}
_MARKER = re.compile(r"\{\w+\}")  # {disfmarker}, {vocalsound}, {gap}, ...
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,?!;:%])")
_SPLIT_CONTRACTION = re.compile(r"\s+('(?:s|re|ve|ll|d|m|t)\b|n't\b)", re.IGNORECASE)
_WORD = re.compile(r"\w")

Window = tuple[str, int, int]  # meeting id, first turn, last turn (inclusive)


@dataclass(frozen=True)
class Query:
    id: str
    meeting: str
    domain: str
    text: str
    spans: tuple[tuple[int, int], ...]  # inclusive turn ranges, as annotated
    gold: frozenset[int]  # turns of the spans that hold words (empty turns cannot be found)


@dataclass(frozen=True)
class Meeting:
    id: str
    domain: str
    speakers: tuple[str, ...]
    contents: tuple[str, ...]  # cleaned; "" for a turn with no words
    queries: tuple[Query, ...]


@dataclass(frozen=True)
class Chunking:
    """`window=None`: the project's sentence chunker inside each speaker turn; otherwise windows
    of `window` consecutive non-empty turns, starting every `stride` turns."""

    name: str
    window: int | None = None
    stride: int = 1

    def describe(self) -> str:
        if self.window is None:
            c = ChunkerSettings()
            return (
                f"speaker turns cut by `ingest.chunks.chunk_turns` (sentence windows of at most "
                f"{c.max_chars} characters inside one turn, {c.overlap_sentences}-sentence overlap)"
            )
        return (
            f"windows of {self.window} consecutive non-empty turns, a new window every "
            f"{self.stride} turns (overlap {self.window - self.stride} turn)"
        )


@dataclass
class SearchIndex:
    """An in-memory project index plus the turn window each chunk (by row) covers."""

    index: Index
    windows: list[Window]  # row for row with index.chunks
    row_of: dict[str, int] = field(init=False)  # chunk id -> row

    def __post_init__(self) -> None:
        self.row_of = {c.id: r for r, c in enumerate(self.index.chunks)}


def domain_of(meeting_id: str) -> str:
    for domain, prefixes in DOMAINS.items():
        if meeting_id.startswith(prefixes):
            return domain
    return "Other"


def clean(content: str) -> str:
    """Drop non-speech markers (as upstream's notebook does) and re-attach split punctuation."""
    text = _MARKER.sub(" ", content)
    text = _SPLIT_CONTRACTION.sub(r"\1", _SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(text.split())))
    return text.strip() if _WORD.search(text) else ""


def load_meeting(path: Path) -> tuple[Meeting, list[dict[str, Any]]]:
    """One QMSum file -> a Meeting, plus the specific queries skipped (no usable evidence)."""
    try:
        data = json.loads(path.read_text("utf-8"))
        turns = data["meeting_transcripts"]
        raw_queries = data["specific_query_list"]
        speakers = tuple(str(t["speaker"]) for t in turns)
        contents = tuple(clean(str(t["content"])) for t in turns)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DatasetError(
            f"{path} is not a QMSum meeting file ({type(exc).__name__}: {exc})."
        ) from exc
    meeting_id, domain = path.stem, domain_of(path.stem)
    queries, skipped = [], []
    for n, q in enumerate(raw_queries):
        qid = f"{meeting_id}#{n}"
        spans = tuple((int(s), int(e)) for s, e in q.get("relevant_text_span") or [])
        in_range = all(0 <= s <= e < len(turns) for s, e in spans)
        gold = frozenset(i for s, e in spans if in_range for i in range(s, e + 1) if contents[i])
        reason = (
            "no evidence spans"
            if not spans
            else "span outside the transcript"
            if not in_range
            else "evidence turns hold no words"
            if not gold
            else None
        )
        if reason:
            skipped.append({"id": qid, "query": q.get("query"), "reason": reason})
            continue
        queries.append(Query(qid, meeting_id, domain, str(q["query"]), spans, gold))
    return Meeting(meeting_id, domain, speakers, contents, tuple(queries)), skipped


def load_dataset(
    folder: Path, limit: int | None = None
) -> tuple[list[Meeting], list[dict[str, Any]]]:
    files = sorted(Path(folder).glob("*.json"))
    if not files:
        raise DatasetError(
            f"No QMSum meeting files (*.json) in {folder}. Pass the val folder with --data."
        )
    meetings, skipped = [], []
    for path in files[:limit] if limit else files:
        meeting, skips = load_meeting(path)
        meetings.append(meeting)
        skipped += skips
    return meetings, skipped


def meeting_source(meeting: Meeting) -> Source:
    """A synthetic transcript, one "Speaker: content" paragraph a turn, with true offsets.

    As `ingest.turns.parse_transcript` does, the speaker's name is the turn's first paragraph
    (and its heading), so the turn's first chunk says who spoke. An empty turn keeps its line
    but has no paragraphs, so it yields no chunk.
    """
    parts: list[str] = []
    turns: list[Turn] = []
    pos = 0
    for i, (speaker, content) in enumerate(zip(meeting.speakers, meeting.contents, strict=True)):
        line = f"{speaker}: {content}" if content else f"{speaker}:"
        label = (pos, pos + len(speaker))
        body = (pos + len(speaker) + 2, pos + len(line))
        turns.append(
            Turn(
                source=meeting.id,
                index=i,
                speaker=speaker,
                affiliation=None,
                start_char=pos,
                end_char=pos + len(line),
                paragraphs=(label, body) if content else (),
                heading=label,
            )
        )
        parts.append(line)
        pos += len(line) + 2
    text = "\n\n".join(parts)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Source(meeting.id, digest, text, tuple(turns))


def chunk_meeting(source: Source, chunking: Chunking) -> tuple[list[Chunk], list[Window]]:
    """Chunks of one meeting and, row for row, the turn window each covers."""
    if chunking.window is None:
        chunks = chunk_turns(source.turns, source.text, ChunkerSettings())
        return chunks, [(source.name, c.turn_index, c.turn_index) for c in chunks]
    spoken = [t for t in source.turns if t.paragraphs]
    if not spoken:
        return [], []
    last_start = max(len(spoken) - chunking.window, 0)
    starts = list(range(0, last_start + 1, chunking.stride))
    if starts[-1] != last_start:  # the stride stepped past the last turns: end on them
        starts.append(last_start)
    groups = [spoken[i : i + chunking.window] for i in starts]
    windows = [(source.name, g[0].index, g[-1].index) for g in groups]
    return [_window_chunk(source, g) for g in groups], windows


def _window_chunk(source: Source, group: Sequence[Turn]) -> Chunk:
    start, end = group[0].start_char, group[-1].end_char
    speakers = {t.speaker for t in group}
    return Chunk(
        id=chunk_id(source.name, start, end),
        source=source.name,
        turn_index=group[0].index,
        speaker=group[0].speaker if len(speakers) == 1 else None,
        affiliation=None,
        start_char=start,
        end_char=end,
        text=normalise(source.text[start:end]),
        sentences=tuple(s for t in group for s in turn_sentences(t, source.text)),
    )


def embed_unique(
    embedder: Embedder, texts: Sequence[str], bar: tqdm | None = None, block: int = 512
) -> np.ndarray:
    """Embed each distinct text once ("Marketing: Yeah." recurs hundreds of times), shortest
    first in blocks, so batches carry little padding and the progress bar moves."""
    unique = sorted(dict.fromkeys(texts), key=len)
    parts = [np.zeros((0, embedder.dimension), dtype=np.float32)]
    for i in range(0, len(unique), block):
        parts.append(embedder.embed(unique[i : i + block]))
        if bar is not None:
            bar.update(len(unique[i : i + block]))
    vectors = np.concatenate(parts)
    row = {t: i for i, t in enumerate(unique)}
    return vectors[[row[t] for t in texts]]


def build_index(
    embedder: Embedder,
    sources: Sequence[Source],
    chunks: list[Chunk],
    windows: list[Window],
    vectors: np.ndarray,
    chunking: Chunking,
) -> SearchIndex:
    """An in-memory `Index` without sentence vectors: `Searcher` never reads them."""
    manifest = Manifest(
        model=embedder.name,
        dimension=embedder.dimension,
        chunker={"chunking": chunking.name, "window": chunking.window, "stride": chunking.stride}
        | ChunkerSettings().to_dict(),
        speaker_prefix=False,  # the speaker's name is already in the text (see meeting_source)
        sources={s.name: s.sha256 for s in sources},
        n_chunks=len(chunks),
        n_sentences=0,
    )
    empty = np.zeros((0, embedder.dimension), dtype=np.float32)
    index = Index.build(manifest, chunks, sources, vectors, empty, [])
    return SearchIndex(index, windows)


# --- metrics: pure functions of a ranked list of windows and a query ---------------------------


def relevant(window: Window, query: Query) -> bool:
    """From the query's meeting and covering at least one gold turn."""
    meeting, a, b = window
    return meeting == query.meeting and any(a <= t <= b for t in query.gold)


def first_relevant_rank(ranked: Sequence[Window], query: Query, k: int = K) -> int | None:
    return next((r for r, w in enumerate(ranked[:k], start=1) if relevant(w, query)), None)


def turn_recall(ranked: Sequence[Window], query: Query, k: int) -> float:
    """Share of the gold turns (all spans together) that the top-k windows cover."""
    covered = {t for m, a, b in ranked[:k] if m == query.meeting for t in range(a, b + 1)}
    return len(query.gold & covered) / len(query.gold)


def score_query(ranked: Sequence[Window], query: Query) -> dict[str, float]:
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


COMPARISONS = (("hybrid", "bm25"), ("dense", "bm25"), ("hybrid", "dense"))


def compare(per_mode: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Paired per-query differences between modes: MRR and turn-recall@10, and how many
    queries rank their first evidence higher, lower or the same."""
    out: dict[str, Any] = {}
    for a, b in COMPARISONS:
        rows_a, rows_b = per_mode[a], per_mode[b]
        rank_a = [r["rank"] or K + 1 for r in rows_a]
        rank_b = [r["rank"] or K + 1 for r in rows_b]
        out[f"{a}-{b}"] = {
            metric: paired_difference(
                [r["metrics"][metric] for r in rows_a], [r["metrics"][metric] for r in rows_b]
            )
            for metric in ("mrr@10", "recall@10")
        } | {
            "queries_better": sum(x < y for x, y in zip(rank_a, rank_b, strict=True)),
            "queries_worse": sum(x > y for x, y in zip(rank_a, rank_b, strict=True)),
            "queries_same": sum(x == y for x, y in zip(rank_a, rank_b, strict=True)),
        }
    return out


# --- running ---------------------------------------------------------------------------------


def load_rerank() -> tuple[Reranker | None, str | None]:
    """The cross-encoder that `Settings` configures (WEBINAR_RAG_RERANK_MODEL), or why the
    hybrid + rerank configuration is skipped."""
    path = Settings().rerank_model
    if not path:
        return None, f"skipped: no cross-encoder model configured ({RERANK_ENV})"
    try:
        return load_reranker(path), None
    except RerankerNotFound as exc:
        return None, f"skipped: {exc}"


def make_searcher(
    search_index: SearchIndex, embedder: Embedder, mode: str, reranker: Reranker | None = None
) -> Searcher:
    index = search_index.index
    if mode == "hybrid+rerank":
        if reranker is None:
            raise ValueError("hybrid+rerank needs a reranker")
        depth = Settings().rerank_depth
        return Searcher(index, embedder, "hybrid", reranker=reranker, rerank_depth=depth)
    searcher_modes: dict[str, RetrievalMode] = {
        "hybrid": "hybrid",
        "dense": "dense",
        "bm25": "bm25",
    }
    if mode not in searcher_modes:
        raise ValueError(f"unknown retrieval mode {mode!r}")
    return Searcher(index, embedder, searcher_modes[mode])


def ranked_rows(
    search_index: SearchIndex, searcher: Searcher | None, query: Query, vector: np.ndarray
) -> list[int]:
    """Rows of the top-K chunks for one query; `searcher=None` is the random-order floor."""
    if searcher is None:
        seed = int.from_bytes(hashlib.sha256(query.id.encode()).digest()[:8], "little")
        n = len(search_index.index.chunks)
        return [int(r) for r in np.random.default_rng(seed).permutation(n)[:K]]
    hits = searcher.search(query.text, K, vector=vector)
    return [search_index.row_of[h.chunk.id] for h in hits]


def evaluate(
    search_index: SearchIndex,
    embedder: Embedder,
    modes: Sequence[str],
    queries: Sequence[Query],
    vectors: dict[str, np.ndarray],
    bar: tqdm,
    reranker: Reranker | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Per mode, one row per query: its metrics, first relevant rank and what was retrieved."""
    chunks = search_index.index.chunks
    words = [len(c.text.split()) for c in chunks]
    out: dict[str, list[dict[str, Any]]] = {}
    for mode in modes:
        searcher = (
            None if mode == "random" else make_searcher(search_index, embedder, mode, reranker)
        )
        out[mode] = []
        for q in queries:
            rows = ranked_rows(search_index, searcher, q, vectors[q.id])
            ranked = [search_index.windows[r] for r in rows]
            metrics = score_query(ranked, q)
            metrics["words@10"] = float(sum(words[r] for r in rows))
            metrics["own_meeting@10"] = sum(w[0] == q.meeting for w in ranked) / K
            if mode == "bm25":
                # Searcher's bm25 mode orders chunks that share no word with the query by dense
                # score; count how many of the top 10 got there that way.
                lexical = search_index.index.lexical.scores(q.text)
                metrics["bm25_zero@10"] = float(sum(lexical[r] <= 0 for r in rows))
            out[mode].append(
                {
                    "id": q.id,
                    "domain": q.domain,
                    "rank": first_relevant_rank(ranked, q),
                    "metrics": metrics,
                }
            )
            bar.update(1)
    return out


def summarise(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    by_domain = {
        d: aggregate([r["metrics"] for r in rows if r["domain"] == d])
        for d in [*DOMAINS, "Other"]
        if any(r["domain"] == d for r in rows)
    }
    return {"all": aggregate([r["metrics"] for r in rows]), "by_domain": by_domain}


def run(
    meetings: Sequence[Meeting],
    embedder: Embedder,
    chunkings: Sequence[Chunking],
) -> dict[str, Any]:
    """Index every meeting once per chunking, then search within each meeting and pooled."""
    began = time.perf_counter()
    queries = [q for m in meetings for q in m.queries]
    sources = [meeting_source(m) for m in meetings]
    reranker, skip_reason = load_rerank()
    modes = [m for m in MODES if not (m == "hybrid+rerank" and skip_reason)]
    timings: dict[str, float] = {}
    t = time.perf_counter()
    # As the product asks: `embed_query` (e5 reads "query: ..." there, "passage: ..." in embed).
    vectors = {q.id: embedder.embed_query(q.text) for q in queries}
    timings["embed_queries"] = time.perf_counter() - t
    cut = {c.name: [chunk_meeting(s, c) for s in sources] for c in chunkings}
    n_texts = sum(len({c.text for chunks, _ in per for c in chunks}) for per in cut.values())
    results: dict[str, dict[str, Any]] = {"within": {}, "pooled": {}}
    ranks: dict[str, dict[str, Any]] = {"within": {}, "pooled": {}}
    comparisons: dict[str, dict[str, Any]] = {"within": {}, "pooled": {}}
    info: dict[str, Any] = {}
    with (
        tqdm(total=n_texts, desc="embed chunks", unit="text", file=sys.stderr) as embed_bar,
        tqdm(
            total=len(queries) * len(modes) * 2 * len(chunkings),
            desc="search",
            unit="query",
            file=sys.stderr,
        ) as search_bar,
    ):
        for chunking in chunkings:
            t = time.perf_counter()
            all_vecs = embed_unique(
                embedder, [c.text for chunks, _ in cut[chunking.name] for c in chunks], embed_bar
            )
            per_meeting = []
            offset = 0
            for source, (chunks, windows) in zip(sources, cut[chunking.name], strict=True):
                vecs = all_vecs[offset : offset + len(chunks)]
                per_meeting.append((source, chunks, windows, vecs))
                offset += len(chunks)
            timings[f"embed_{chunking.name}"] = time.perf_counter() - t
            all_chunks = [c for _, chunks, _, _ in per_meeting for c in chunks]
            info[chunking.name] = {
                "description": chunking.describe(),
                "chunks": len(all_chunks),
                "distinct_texts": len({c.text for c in all_chunks}),
                "mean_words": statistics.fmean(len(c.text.split()) for c in all_chunks)
                if all_chunks
                else math.nan,
            }
            t = time.perf_counter()
            within: dict[str, list[dict[str, Any]]] = {m: [] for m in modes}
            for meeting, (source, chunks, windows, vecs) in zip(meetings, per_meeting, strict=True):
                index = build_index(embedder, [source], chunks, windows, vecs, chunking)
                for mode, rows in evaluate(
                    index, embedder, modes, meeting.queries, vectors, search_bar, reranker
                ).items():
                    within[mode] += rows
            timings[f"within_{chunking.name}"] = time.perf_counter() - t
            t = time.perf_counter()
            pooled_index = build_index(
                embedder,
                sources,
                all_chunks,
                [w for _, _, windows, _ in per_meeting for w in windows],
                all_vecs,  # the per-meeting vectors, embedded once
                chunking,
            )
            pooled = evaluate(pooled_index, embedder, modes, queries, vectors, search_bar, reranker)
            timings[f"pooled_{chunking.name}"] = time.perf_counter() - t
            for setting, per_mode in (("within", within), ("pooled", pooled)):
                results[setting][chunking.name] = {m: summarise(r) for m, r in per_mode.items()}
                comparisons[setting][chunking.name] = compare(per_mode)
                ranks[setting][chunking.name] = {
                    m: [r["rank"] for r in rows] for m, rows in per_mode.items()
                }
                if skip_reason:
                    results[setting][chunking.name]["hybrid+rerank"] = {"skipped": skip_reason}
    timings["total"] = time.perf_counter() - began
    return {
        "chunkings": info,
        "results": results,
        "comparisons": comparisons,
        "ranks": ranks,
        "query_ids": [q.id for q in queries],
        "runtime_s": {k: round(v, 1) for k, v in timings.items()},
    }


# --- report ----------------------------------------------------------------------------------

COLUMNS = (
    ("hit@1", "Hit@1"),
    ("hit@3", "Hit@3"),
    ("hit@5", "Hit@5"),
    ("hit@10", "Hit@10"),
    ("mrr@10", "MRR@10"),
    ("recall@5", "turn-R@5"),
    ("recall@10", "turn-R@10"),
    ("words@10", "words@10"),
)


def _table(
    per_chunking: dict[str, dict[str, Any]], domain: str | None = None, pooled: bool = False
) -> list[str]:
    columns = [*COLUMNS, ("own_meeting@10", "own-meeting@10")] if pooled else list(COLUMNS)
    lines = [
        "| configuration | " + " | ".join(label for _, label in columns) + " | MRR ÷ BM25 |",
        "| --- |" + " ---: |" * (len(columns) + 1),
    ]
    for chunking, per_mode in per_chunking.items():
        base = per_mode["bm25"]
        for mode in MODES:
            name = f"{chunking} · {MODE_LABELS[mode]}"
            result = per_mode.get(mode)
            if result is None:
                continue
            if "skipped" in result:
                lines.append(f"| {name} | {result['skipped']} |" + " |" * len(columns))
                continue
            row = result["all"] if domain is None else result["by_domain"].get(domain)
            base_row = base["all"] if domain is None else base["by_domain"].get(domain)
            if not row or not row.get("queries"):
                continue
            cells = [
                f"{row[key]:.0f}" if key == "words@10" else f"{row[key]:.3f}" for key, _ in columns
            ]
            ratio = row["mrr@10"] / base_row["mrr@10"] if base_row["mrr@10"] else math.nan
            lines.append(f"| {name} | " + " | ".join(cells) + f" | {ratio:.2f} |")
    return lines


def _interval(d: dict[str, float]) -> str:
    return f"{d['mean']:+.3f} [{d['low']:+.3f}, {d['high']:+.3f}]"


def _verdicts(per_chunking: dict[str, dict[str, Any]], setting: str) -> list[str]:
    """Plain sentences: is a mode better than another, beyond what query sampling explains?"""
    out = []
    for chunking, pairs in per_chunking.items():
        for name, c in pairs.items():
            a, b = name.split("-")
            mrr = c["mrr@10"]
            verdict = (
                "better"
                if mrr["low"] > 0
                else "worse"
                if mrr["high"] < 0
                else "not clearly different (the interval spans 0)"
            )
            out.append(
                f"- {setting}, {chunking}: {MODE_LABELS[a]} vs {MODE_LABELS[b]}: {verdict}. "
                f"ΔMRR {_interval(mrr)}, Δturn-R@10 {_interval(c['recall@10'])}; queries whose "
                f"first evidence ranks higher / lower / the same: {c['queries_better']} / "
                f"{c['queries_worse']} / {c['queries_same']}."
            )
    return out


def report(summary: dict[str, Any]) -> str:
    results = summary["results"]
    domains = summary["domains"]
    lines = [
        "# QMSum (val) meeting retrieval benchmark",
        "",
        f"Run {summary['date']} · {summary['meetings']} meetings · {summary['queries']} specific "
        f"queries scored · {summary['skipped_queries']} skipped (no usable evidence span) · "
        f"model `{summary['model']}` · runtime {summary['runtime_s']['total']:.0f} s "
        f"(`python -m eval.qmsum`).",
        "",
        "**Data.** QMSum (Zhong et al., NAACL 2021) pairs meeting transcripts with questions and "
        "answers written by annotators. The specific queries ('What did the group discuss about "
        "the design goal of the remote control?', 'Summarize the discussion about X') come with "
        "the turns that hold the evidence (`relevant_text_span`: 0-based, inclusive turn ranges; "
        "gold evidence is a median of about 25 turns per query). The val split has three "
        "domains: "
        + ", ".join(
            f"{d} ({v['meetings']} meetings, {v['queries']} queries)" for d, v in domains.items()
        )
        + ". The general queries (whole-meeting summaries) have no spans and are not used.",
        "",
        "**Indexing.** Each turn becomes an `ingest.turns.Turn` of a synthetic transcript (one "
        "'Speaker: content' paragraph a turn; QMSum's non-speech markers such as `{disfmarker}` "
        "are removed and split punctuation re-attached; turns left without words yield no chunk). "
        "Two chunkings, each embedded once with the project's embedder and put in an in-memory "
        "`ingest.index.Index`; the pooled index reuses the per-meeting vectors:",
        "",
        *(
            f"- **{name}**: {c['description']}; {c['chunks']} chunks, "
            f"{c['mean_words']:.0f} words each on average."
            for name, c in summary["chunkings"].items()
        ),
        "",
        "Search is `retrieval.retriever.Searcher` in its `bm25`, `dense` and `hybrid` "
        "(reciprocal-rank fusion, k = 60) modes, top 10. The random row ranks chunks in a "
        "seeded random order: the floor that evidence size alone gives.",
        "",
        "**Matching evidence.** A retrieved chunk covers the turns it spans (one turn for a "
        "speaker-turn chunk, a turn range for a window). The gold turns G of a query are the "
        "union of all its spans, minus turns with no words. A chunk is relevant when it comes "
        "from the query's own meeting and covers at least one gold turn.",
        "",
        "- **Hit@k**: a relevant chunk is among the top k. **MRR@10**: 1/rank of the first "
        "relevant chunk, 0 if none in the top 10.",
        "- **turn-R@k** (turn recall): |G ∩ turns covered by the top-k chunks of the query's "
        "meeting| / |G|, over all spans together. A query with 3 spans of 10 turns each needs "
        "all 30 turns covered for 1.0. It is strict: evidence is often dozens of turns and 10 "
        "chunks cannot cover it, so low values are expected.",
        "- **words@10**: words in the top 10 chunks (windows are longer, which inflates Hit@k; "
        "compare chunkings with that in mind). **own-meeting@10** (pooled): share of the top 10 "
        "from the query's meeting. **MRR ÷ BM25**: against BM25 with the same chunking in the "
        "same run.",
        "- All are macro averages over queries. Within-meeting: each query searches only its "
        "own meeting's index. Pooled: one index over all meetings; chunks of other meetings never "
        "count, even when the same query text exists there (the AMI meetings are five teams "
        "doing the same design task, so near-duplicate queries are common).",
        "",
    ]
    for setting, title in (("within", "Within-meeting"), ("pooled", "Pooled (all meetings)")):
        lines += [f"## {title}", "", *_table(results[setting], pooled=setting == "pooled"), ""]
        floor = {
            chunking: per_mode["random"]["all"]["hit@10"]
            for chunking, per_mode in results[setting].items()
        }
        lines += [
            "The random order reaches Hit@10 "
            + ", ".join(f"{v:.2f} ({k})" for k, v in floor.items())
            + (
                ": inside one meeting the evidence is often a large share of the turns, so "
                "read Hit@k against that floor, not against 0."
                if setting == "within"
                else "."
            ),
            "",
        ]
        lines += [
            "Paired differences over the same queries (mean, 95% bootstrap interval over "
            "queries, 10,000 resamples):",
            "",
            *_verdicts(summary["comparisons"][setting], title),
            "",
        ]
    for setting, title in (("within", "Within-meeting"), ("pooled", "Pooled")):
        for domain in domains:
            lines += [f"### {title}, {domain}", ""]
            lines += [*_table(results[setting], domain, pooled=setting == "pooled"), ""]
    zero = {
        f"{setting}/{chunking}": per_mode["bm25"]["all"].get("bm25_zero@10", math.nan)
        for setting, per in results.items()
        for chunking, per_mode in per.items()
    }
    lines += [
        "## Notes",
        "",
        "- `Searcher`'s bm25 mode breaks ties by dense score, so chunks sharing no query word "
        "still fill the top 10 in dense order. Mean slots per query filled that way: "
        + ", ".join(f"{k} {v:.2f}" for k, v in zero.items())
        + ".",
        "- Dense vectors come from the project's default embedder "
        "(`ingest.embedder.load_embedder(default_model_path())`, named in the header); passages "
        "through `embed`, questions through `embed_query`, as the product does. Its models read "
        "a bounded number of word pieces (MiniLM 256), so long chunks (windows, long committee "
        "turns) are embedded from their beginning only, while BM25 reads all of them.",
        "- Sentence vectors are not built (`Searcher` never reads them), so the indexes here "
        "cannot drive the extractive answerer; this benchmark scores retrieval only.",
        "- Chunks are indexed without the project's speaker prefix: `Chunk.embedding_text` would "
        "write 'Speaker, None:' for a speaker without affiliation. The speaker's name is in the "
        "text instead (the first chunk of each turn, every turn of a window).",
        f"- Runtime by stage (s): {summary['runtime_s']}.",
    ]
    if summary["skipped"]:
        lines += ["", "## Skipped queries", ""]
        lines += [f"- {s['id']} ({s['reason']}): {s['query']}" for s in summary["skipped"]]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.qmsum", description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="QMSum val folder")
    parser.add_argument("--out", type=Path, help="write qmsum.md and qmsum.json here")
    parser.add_argument("--limit-meetings", type=int, help="only the first N meetings (by name)")
    parser.add_argument("--window", type=int, default=3, help="turns per window (default 3)")
    parser.add_argument("--stride", type=int, default=2, help="window stride (default 2)")
    args = parser.parse_args(argv)
    if args.window < 1 or not 1 <= args.stride <= args.window:
        parser.error("need --window >= 1 and 1 <= --stride <= --window")
    try:
        meetings, skipped = load_dataset(args.data, args.limit_meetings)
    except DatasetError as exc:
        print(f"eval.qmsum: error: {exc}", file=sys.stderr)
        return 2
    embedder = load_embedder(default_model_path())
    chunkings = [
        Chunking("turns"),
        Chunking(f"windows{args.window}s{args.stride}", args.window, args.stride),
    ]
    outcome = run(meetings, embedder, chunkings)
    domains = {
        d: {
            "meetings": sum(m.domain == d for m in meetings),
            "queries": sum(len(m.queries) for m in meetings if m.domain == d),
        }
        for d in [*DOMAINS, "Other"]
        if any(m.domain == d for m in meetings)
    }
    summary = {
        "benchmark": "QMSum val, specific queries, evidence-turn retrieval",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "data": str(args.data),
        "meetings": len(meetings),
        "queries": sum(len(m.queries) for m in meetings),
        "skipped_queries": len(skipped),
        "skipped": skipped,
        "domains": domains,
        "model": embedder.name,
        "k": K,
    } | outcome
    text = report(summary)
    print(text)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "qmsum.md").write_text(text, encoding="utf-8")
        (args.out / "qmsum.json").write_text(
            json.dumps(summary, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
