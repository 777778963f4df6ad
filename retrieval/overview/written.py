"""An LLM-written summary paragraph, map-reduce over the meeting, every claim verified.

Map: the meeting's passages, in the order said, are cut into parts of a few passages (the
answer path's `llm_passages`); the LLM sums up each part, and each claim is checked against
that part's transcript sentences as an answer's are (`CitationVerifier`): a claim no sentence
supports is removed and recorded. Reduce: the parts' verified claims, in order, are checked
once more against all the parts' passages together, which numbers their citations as one list
and drops a claim that repeats a kept one. A long meeting gets at most `MAX_PARTS` parts, their
passages spread evenly over it.

The LLM may add to the extractive overview, never make it worse: when the endpoint fails or no
claim survives, the written summary is the extractive one (its quotes and citations), with a
notice saying why; the extractive overview itself is never changed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.llm import LLMClient, is_refusal
from retrieval.overview.overview import Overview
from retrieval.verify import CitationVerifier, split_claims
from webinar_rag.core import Chunk, Citation, Hit, LLMError, Place
from webinar_rag.store import Store

ASK = (
    "Sum up what these passages of the meeting say: the main points, any decisions and who "
    "will do what. Write two or three short sentences."
)
MAX_PARTS = 6  # LLM calls per summary: a bound on its time


@dataclass(frozen=True)
class Written:
    """The summary paragraph: `[n]` markers name `citations` (numbered 1..n)."""

    text: str
    citations: tuple[Citation, ...]
    backend: str  # "llm" when the LLM's verified claims are the text, else "extractive"
    removed: tuple[str, ...] = ()  # the LLM's claims that no transcript sentence supports
    notice: str | None = None


def parts_of(store: Store, overview: Overview, size: int, max_parts: int = MAX_PARTS) -> list[
    list[Hit]
]:  # fmt: skip
    """The overview's documents' passages (its speaker's only, when it has one), in reading
    order, in parts of `size`; at most `max_parts` parts, spread evenly over the meeting."""
    rank = {name: i for i, name in enumerate(overview.documents)}
    chunks = sorted(
        (
            c
            for c in store.chunks
            if c.source in rank and (overview.speaker is None or c.speaker == overview.speaker)
        ),
        key=lambda c: (rank[c.source], c.start_char),
    )
    wanted = size * max_parts
    if len(chunks) > wanted:  # evenly spaced passages over the whole meeting
        chunks = [chunks[i * len(chunks) // wanted] for i in range(wanted)]
    hits = [_hit(store, c) for c in chunks]
    return [hits[i : i + size] for i in range(0, len(hits), size)]


def write_summary(
    client: LLMClient,
    verifier: CitationVerifier,
    store: Store,
    overview: Overview,
    size: int,
) -> Written:
    """The LLM's verified summary paragraph, or the extractive summary with a notice."""
    parts = parts_of(store, overview, size)
    everything: list[Hit] = [h for part in parts for h in part]
    claims: list[str] = []
    removed: list[str] = []
    try:
        for hits in parts:
            reply = client.complete(ASK, hits)
            if is_refusal(reply):
                continue
            part = verifier.verify(reply, hits)
            removed += part.removed
            claims += _global_markers(part.text, part.citations, everything)
    except LLMError as exc:
        return _extractive(overview, f"The LLM could not be used ({exc}): {_FALLBACK}")
    if not claims:
        return _extractive(overview, f"No claim of the LLM could be verified: {_FALLBACK}")
    combined = verifier.verify(" ".join(claims), everything)
    removed += combined.removed
    if not combined.citations:
        return _extractive(overview, f"No claim of the LLM could be verified: {_FALLBACK}")
    notice = (
        f"{len(removed)} claim(s) of the LLM had no support and were removed." if removed else None
    )
    return Written(combined.text, combined.citations, "llm", tuple(removed), notice)


_FALLBACK = "this is the extractive summary, quoted from the transcripts."


def _hit(store: Store, chunk: Chunk) -> Hit:
    return Hit(chunk, 1.0, Place.of(store.sources[chunk.source], chunk.start_char, chunk.end_char))


def _global_markers(text: str, citations: Sequence[Citation], hits: Sequence[Hit]) -> list[str]:
    """A part's verified claims, their markers now naming the passage (1-based, among all the
    parts' passages) that holds the sentence each cites."""
    where = {c.n: _holder(c, hits) for c in citations}
    out = []
    for claim, numbers in split_claims(text):
        found = sorted({m for n in numbers if (m := where.get(n)) is not None})
        out.append(claim + "".join(f" [{n}]" for n in found))
    return out


def _holder(c: Citation, hits: Sequence[Hit]) -> int | None:
    for i, h in enumerate(hits, start=1):
        if h.chunk.source == c.source and h.chunk.start_char <= c.start_char < h.chunk.end_char:
            return i
    return None


def _extractive(overview: Overview, notice: str) -> Written:
    only = overview.restricted("summary")
    text = re.sub(r"\s+", " ", only.text("summary")).strip()
    return Written(text, only.citations, "extractive", (), notice)
