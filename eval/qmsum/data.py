"""QMSum meeting files read into meetings, their specific queries and the gold evidence turns.

A query is scored on the turns that hold its evidence; a query without usable evidence (no
span, a span past the transcript, or spans of turns without words) cannot be found by any
search, so it is skipped and listed in the report instead.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ingest import DatasetError

DOMAINS = {
    "Academic": ("Bed", "Bmr", "Bro"),
    "Product": ("ES", "IS", "TS"),
    "Committee": ("covid_", "education_"),
}
_MARKER = re.compile(r"\{\w+\}")  # {disfmarker}, {vocalsound}, {gap}, ...
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,?!;:%])")
_SPLIT_CONTRACTION = re.compile(r"\s+('(?:s|re|ve|ll|d|m|t)\b|n't\b)", re.IGNORECASE)
_WORD = re.compile(r"\w")


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


def clean(content: str) -> str:
    """Drop non-speech markers (as upstream's notebook does) and re-attach split punctuation."""
    text = _MARKER.sub(" ", content)
    text = _SPLIT_CONTRACTION.sub(r"\1", _SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(text.split())))
    return text.strip() if _WORD.search(text) else ""


def load_meeting(path: Path) -> tuple[Meeting, list[SkippedQuery]]:
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
            skipped.append(SkippedQuery(qid, q.get("query"), reason))
            continue
        queries.append(Query(qid, meeting_id, domain, str(q["query"]), spans, gold))
    return Meeting(meeting_id, domain, speakers, contents, tuple(queries)), skipped


def load_dataset(
    folder: Path, limit: int | None = None
) -> tuple[list[Meeting], list[SkippedQuery]]:
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
