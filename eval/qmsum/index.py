"""Meetings through the project's ingest path: Turn -> Chunk -> embedder -> in-memory Index.

Each meeting becomes a synthetic transcript, cut by one of two chunkings (the speaker-turn
chunker, or windows of consecutive turns). Every chunk row remembers the turns it covers (its
`Window`): the metrics score turns, whatever the chunking.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from tqdm import tqdm

from eval.qmsum.data import Meeting
from ingest import Chunk, ChunkerSettings, Embedder, Index, Manifest, Source, Turn, chunk_turns


class Window(NamedTuple):
    """The turns a chunk covers: first to last, inclusive, of one meeting."""

    meeting: str
    first: int
    last: int


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


def meeting_source(meeting: Meeting) -> Source:
    """A synthetic transcript, one "Speaker: content" paragraph a turn, with true offsets.

    As `ingest.parse_transcript` does, the speaker's name is the turn's first paragraph (and
    its heading), so the turn's first chunk says who spoke. An empty turn keeps its line but
    has no paragraphs, so it yields no chunk.
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
        return chunks, [Window(source.name, c.turn_index, c.turn_index) for c in chunks]
    spoken = [t for t in source.turns if t.paragraphs]
    if not spoken:
        return [], []
    last_start = max(len(spoken) - chunking.window, 0)
    starts = list(range(0, last_start + 1, chunking.stride))
    if starts[-1] != last_start:  # the stride stepped past the last turns: end on them
        starts.append(last_start)
    groups = [spoken[i : i + chunking.window] for i in starts]
    windows = [Window(source.name, g[0].index, g[-1].index) for g in groups]
    return [_window_chunk(source, g) for g in groups], windows


def _window_chunk(source: Source, group: Sequence[Turn]) -> Chunk:
    """One chunk over consecutive turns: the project's chunker cuts a turn that spans them all
    (no speaker when they differ) with room for all of it, so the chunk gets the same id,
    offsets and sentences as any other."""
    span = Turn(
        source=source.name,
        index=group[0].index,
        speaker=group[0].speaker if len({t.speaker for t in group}) == 1 else None,
        affiliation=None,
        start_char=group[0].start_char,
        end_char=group[-1].end_char,
        paragraphs=tuple(p for t in group for p in t.paragraphs),
    )
    whole = ChunkerSettings(max_chars=span.end_char - span.start_char)
    (chunk,) = chunk_turns([span], source.text, whole)
    return chunk


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
