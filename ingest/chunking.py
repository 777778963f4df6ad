"""Cut turns into sentence-aligned chunks that never cross from one speaker to another.

A chunk is a greedy window of whole sentences inside one turn, overlapping the next by a
sentence; see `webinar_rag.core.chunks` for what a chunk keeps.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from webinar_rag.core import (
    Chunk,
    ChunkerSettings,
    Sentence,
    Turn,
    chunk_id,
    normalise,
    split_sentences,
)


def turn_sentences(turn: Turn, text: str) -> list[Sentence]:
    return [s for p in turn.paragraphs for s in split_sentences(text, p[0], p[1])]


def chunk_turns(turns: Iterable[Turn], text: str, settings: ChunkerSettings) -> list[Chunk]:
    """Greedy sentence windows of at most `max_chars` (one long sentence may exceed it)."""
    chunks: list[Chunk] = []
    for turn in turns:
        sentences = turn_sentences(turn, text)
        for window in _windows(sentences, settings):
            start, end = window[0].start_char, window[-1].end_char
            chunks.append(
                Chunk(
                    id=chunk_id(turn.source, start, end),
                    source=turn.source,
                    turn_index=turn.index,
                    speaker=turn.speaker,
                    affiliation=turn.affiliation,
                    start_char=start,
                    end_char=end,
                    text=normalise(text[start:end]),
                    sentences=tuple(window),
                )
            )
    return chunks


def _windows(sentences: Sequence[Sentence], settings: ChunkerSettings) -> list[list[Sentence]]:
    windows: list[list[Sentence]] = []
    i = 0
    while i < len(sentences):
        j = i + 1
        while (
            j < len(sentences)
            and sentences[j].end_char - sentences[i].start_char <= settings.max_chars
        ):
            j += 1
        windows.append(list(sentences[i:j]))
        if j >= len(sentences):
            break
        i = max(j - settings.overlap_sentences, i + 1)
    return windows
