"""QMSum meeting files read into their specific queries and the gold evidence turns.

The transcripts themselves are read by the product (`ingest()` and its json reader); here only
the annotations are: which QMSum turns (indices into `meeting_transcripts`) hold a query's
evidence. A query without usable evidence (no span, a span past the transcript, or spans of
turns without words) cannot be found by any search, so it is skipped and listed in the report.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from eval.errors import DatasetError

DOMAINS = {
    "Academic": ("Bed", "Bmr", "Bro"),
    "Product": ("ES", "IS", "TS"),
    "Committee": ("covid_", "education_"),
}
_MARKER = re.compile(r"\{\w+\}")  # {disfmarker}, {vocalsound}, {gap}, ...
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class Query:
    id: str  # "<meeting id>#<n>", n its place in `specific_query_list`
    meeting: str  # the meeting's file name: how the index names the document
    domain: str
    text: str
    spans: tuple[tuple[int, int], ...]  # inclusive QMSum turn ranges, as annotated
    gold: frozenset[int]  # QMSum turns of the spans that hold words (empty turns cannot be found)
    answer: str = ""  # the annotators' written answer


@dataclass(frozen=True)
class Meeting:
    path: Path
    domain: str
    # QMSum indices of the turns with words, in order: the reader gives each one a cue, so the
    # k-th cue of the indexed document is turn `spoken[k]` (see `eval.qmsum.turnmap`).
    spoken: tuple[int, ...]
    queries: tuple[Query, ...]

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class SkippedQuery:
    """A specific query left out, and why; listed in the report."""

    id: str
    query: str | None
    reason: str


def domain_of(meeting_id: str) -> str:
    for domain, prefixes in DOMAINS.items():
        if meeting_id.startswith(prefixes):
            return domain
    return "Other"


def has_words(content: str) -> bool:
    """Whether the json reader keeps a QMSum turn: it drops non-speech markers as upstream's
    notebook does, and a turn left without a word character gives no text."""
    return bool(_WORD.search(_MARKER.sub(" ", content)))


def load_meeting(path: Path) -> tuple[Meeting, list[SkippedQuery]]:
    """One QMSum file -> a Meeting, plus the specific queries skipped (no usable evidence)."""
    try:
        data = json.loads(path.read_text("utf-8"))
        spoken = tuple(
            i for i, t in enumerate(data["meeting_transcripts"]) if has_words(str(t["content"]))
        )
        n_turns = len(data["meeting_transcripts"])
        raw_queries = data["specific_query_list"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DatasetError(
            f"{path} is not a QMSum meeting file ({type(exc).__name__}: {exc})."
        ) from exc
    meeting_id, domain = path.stem, domain_of(path.stem)
    with_words = set(spoken)
    queries, skipped = [], []
    for n, q in enumerate(raw_queries):
        qid = f"{meeting_id}#{n}"
        spans = tuple((int(s), int(e)) for s, e in q.get("relevant_text_span") or [])
        in_range = all(0 <= s <= e < n_turns for s, e in spans)
        gold = frozenset(
            i for s, e in spans if in_range for i in range(s, e + 1) if i in with_words
        )
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
            skipped.append(SkippedQuery(qid, q.get("query"), reason))
            continue
        queries.append(
            Query(qid, path.name, domain, str(q["query"]), spans, gold, str(q.get("answer", "")))
        )
    return Meeting(path, domain, spoken, tuple(queries)), skipped


def load_dataset(
    folder: Path, limit: int | None = None
) -> tuple[list[Meeting], list[SkippedQuery]]:
    if not Path(folder).is_dir():
        raise DatasetError(
            f"No QMSum data at {folder}. Pass the val folder (35 meeting JSON files) with --data."
        )
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
