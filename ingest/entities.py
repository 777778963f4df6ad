"""What kind of answer each sentence can give: a person, an organisation, a date or time, a
number, a place. Found once at ingest with the entity model (webinar_rag.models.entities), so
that a "when" question can prefer a sentence that holds a date, and the answerer can tell that
no candidate holds one: the classic answer-type check of question answering.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import replace

from webinar_rag.core import HEADING, Chunk, Sentence, Turn
from webinar_rag.models import entity_spans


def annotate(chunks: Sequence[Chunk], turns: Sequence[Turn], text: str) -> list[Chunk]:
    """The chunks with each sentence's answer kinds, found paragraph by paragraph (a
    paragraph is a span of the source; its sentences lie inside it)."""
    return annotate_many([(chunks, turns, text)])[0]


def annotate_many(
    documents: Sequence[tuple[Sequence[Chunk], Sequence[Turn], str]],
) -> list[list[Chunk]]:
    """`annotate` for several documents, with one pass of the entity model over all their
    paragraphs (each pass has its cost: ten thousand short files need one, not ten thousand)."""
    paragraphs = [
        [p for t in turns for p in t.paragraphs if p[1] > p[0]] for _, turns, _ in documents
    ]
    texts = [
        text[s:e]
        for (_, _, text), spans in zip(documents, paragraphs, strict=True)
        for s, e in spans
    ]
    found = iter(entity_spans(texts))
    return [
        _with_kinds(chunks, turns, spans, [next(found) for _ in spans])
        for (chunks, turns, _), spans in zip(documents, paragraphs, strict=True)
    ]


def _with_kinds(
    chunks: Sequence[Chunk],
    turns: Sequence[Turn],
    paragraphs: list[tuple[int, int]],
    spans: list[list[tuple[int, int, str]]],
) -> list[Chunk]:
    located = sorted(
        (s + a, s + b, kind) for (s, _), found in zip(paragraphs, spans, strict=True)
        for a, b, kind in found
    )  # fmt: skip
    starts = [a for a, _, _ in located]
    longest = max((b - a for a, b, _ in located), default=0)

    headings = [t.heading for t in turns if t.heading is not None]

    def kinds(sentence: Sentence) -> frozenset[str]:
        first = bisect.bisect_left(starts, sentence.start_char - longest)
        last = bisect.bisect_left(starts, sentence.end_char)
        found = {kind for a, b, kind in located[first:last] if sentence.start_char < b}
        if any(a <= sentence.start_char < b for a, b in headings):
            found.add(HEADING)
        return frozenset(found)

    return [
        replace(c, sentences=tuple(replace(s, kinds=kinds(s)) for s in c.sentences)) for c in chunks
    ]
