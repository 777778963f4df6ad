"""Where the indexed chunks live: the `Store` that retrieval reads and the `Writer` that ingest
writes through, with the values that cross between them.

Two stores implement both: the index folder (`webinar_rag.store.folder`, the embedded default)
and PostgreSQL with pgvector (`webinar_rag.store.postgres`). A store answers three questions
under a `Filter` that it applies exactly (never a row outside it):
- `dense(vector, depth)`: the best rows by inner product, best first (exact below the size
  threshold, approximate above it, by an HNSW index);
- `lexical(question, depth)`: the best rows by BM25, best first, only rows sharing a word;
- `similarity(vector, rows)`: exact inner products of given rows (for fusion and scores).
Retrieval fuses the two rankings itself, so fusion is the same whatever the store.

A writer changes a store one ingest at a time (a lock), all or nothing: readers see the old
contents or the new, never a mix. It writes what it is told and drops only what it is told to
drop.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from webinar_rag.core import (
    FORMAT_VERSION,
    Chunk,
    IndexMismatch,
    Manifest,
    Sentence,
    Source,
    UnknownDocument,
)

Ranked = list[tuple[int, float]]  # (row, score), best first
# A filter that admits at most this many rows is scored exactly, row by row, in both stores:
# ~20 ms at 384 dimensions on a loaded core (HNSW under a narrow filter related to the question
# loses recall: bench/results/scale.json).
EXACT_SUBSET = 200_000
SentenceKey = tuple[str, int, int]  # (document name, start_char, end_char)


@dataclass(frozen=True)
class Filter:
    """Which chunks a search may return. `speakers`: full names; `unattributed` admits chunks
    no speaker said (document text). `documents`: file names. `start_s`/`end_s`: the chunk's
    start time in the recording lies within them (chunks without a time are then left out)."""

    speakers: frozenset[str] | None = None
    unattributed: bool = False
    documents: frozenset[str] | None = None
    start_s: float | None = None
    end_s: float | None = None

    @property
    def everything(self) -> bool:
        return (
            self.speakers is None
            and not self.unattributed
            and self.documents is None
            and self.start_s is None
            and self.end_s is None
        )

    def admits(self, chunk: Chunk, start_time: float | None) -> bool:
        """The rule itself, for a store that filters in Python (and for tests)."""
        if (self.speakers is not None or self.unattributed) and not (
            (chunk.speaker is None and self.unattributed)
            or (chunk.speaker is not None and chunk.speaker in (self.speakers or ()))
        ):
            return False
        if self.documents is not None and chunk.source not in self.documents:
            return False
        if self.start_s is None and self.end_s is None:
            return True
        if start_time is None:
            return False
        low = self.start_s if self.start_s is not None else float("-inf")
        high = self.end_s if self.end_s is not None else float("inf")
        return low <= start_time <= high


EVERYTHING = Filter()


class Store(Protocol):
    """What retrieval reads: the chunks and documents, and searches over them."""

    kind: str  # "faiss" or "postgresql", for reports

    @property
    def manifest(self) -> Manifest: ...

    @property
    def chunks(self) -> list[Chunk]: ...

    @property
    def sources(self) -> dict[str, Source]: ...

    @property
    def path(self) -> Path | None:
        """The index folder, for a folder store."""
        ...

    def sentence_vector(self, source: str, sentence: Sentence) -> np.ndarray: ...

    def document_named(self, name: str) -> str:
        """A document named by its file name, file stem or title (any case) -> its file name;
        `UnknownDocument` for none."""
        ...

    def count(self, where: Filter) -> int: ...

    def dense(self, vector: np.ndarray, depth: int, where: Filter = EVERYTHING) -> Ranked: ...

    def lexical(self, question: str, depth: int, where: Filter = EVERYTHING) -> Ranked: ...

    def similarity(self, vector: np.ndarray, rows: Sequence[int]) -> np.ndarray: ...

    def prefetch(self, chunks: Iterable[Chunk]) -> None:
        """Sentence vectors of chunks about to be answered from (a round trip saved)."""

    def reloaded(self, expected_model: str | None = None) -> Store:
        """This store, or a new one over newer contents written by an ingest since (which
        must have been built with `expected_model`, when given)."""
        ...


@dataclass(frozen=True)
class DocumentVectors:
    """A document's share of a store: its chunks and sentences, and their vectors."""

    source: Source
    chunks: list[Chunk]
    chunk_vectors: np.ndarray
    sentence_keys: list[SentenceKey]
    sentence_vectors: np.ndarray
    seconds: float = 0.0  # spent embedding it


@dataclass(frozen=True)
class Held:
    """What a store holds, as a writer finds it before an ingest.

    `usable`: it was read whole, so its vectors can be kept (if they fit the model: see
    `mismatch`); a damaged index is not, as `reason` says, and every document it held must be
    embedded again. `unreadable`: documents whose text could not be read back from a damaged
    index, so they can come back only from their files."""

    manifest: Manifest | None
    sources: Mapping[str, Source]
    chunk_counts: Mapping[str, int]
    usable: bool = True
    reason: str | None = None
    # None: the index is too damaged to say which documents it held.
    unreadable: tuple[str, ...] | None = ()

    @classmethod
    def of(cls, manifest: Manifest, sources: Mapping[str, Source], chunks: Iterable[Chunk]) -> Held:
        """What a store read whole holds."""
        counts: dict[str, int] = {}
        for c in chunks:
            counts[c.source] = counts.get(c.source, 0) + 1
        return cls(manifest, sources, counts)

    @property
    def n_turns(self) -> int:
        return sum(len(s.turns) for s in self.sources.values())

    @property
    def n_chunks(self) -> int:
        return sum(self.chunk_counts.values())


EMPTY = Held(None, {}, {})


class Writer(Protocol):
    """`with writer:` holds the store's ingest lock (waiting as long as the writer was told),
    and leaves the store as it was unless `write` completed."""

    where: str  # "the index at index/", for messages

    def __enter__(self) -> Writer: ...

    def __exit__(self, *exc: Any) -> None: ...

    def held(self) -> Held:
        """What the store holds (read once, under the lock)."""
        ...

    def reuse(self, name: str) -> DocumentVectors:
        """A held document's part, vectors included (only when `held().usable`)."""
        ...

    def write(
        self, manifest: Manifest, new: Sequence[DocumentVectors], drop: Collection[str]
    ) -> Held:
        """Replace the documents of `new`, add the others, drop those named in `drop`; every
        other held document stays as it is. Returns what the store then holds."""
        ...


def top(scores: np.ndarray, rows: np.ndarray | None, depth: int, positive: bool = False) -> Ranked:
    """The `depth` best of `rows` (None: every row) by `scores[rows]`, best first; ties keep
    row order (as a stable sort of the rows by score would). `positive`: only scores above 0.

    Each gathered array is made once: at a million rows the unfiltered case used to copy the
    whole score array three times through `np.arange` rows (~4 ms of a question)."""
    if rows is None:
        rows = np.flatnonzero(scores > 0) if positive else None
        values = scores if rows is None else scores[rows]
    else:
        values = scores[rows]
        if positive:
            keep = values > 0
            rows, values = rows[keep], values[keep]
    if len(values) > depth:
        cut = -np.partition(-values, depth - 1)[depth - 1]
        kept = np.flatnonzero(values >= cut)
        rows = kept if rows is None else rows[kept]
        values = values[kept]
    elif rows is None:
        rows = np.arange(len(values))
    order = np.lexsort((rows, -values))[:depth]
    return list(zip(rows[order].tolist(), values[order].astype(np.float64).tolist(), strict=True))


def document_named(sources: Mapping[str, Source], name: str) -> str:
    """The file name of the document `name` names (file name, stem or title, any case)."""
    wanted = " ".join(name.split()).casefold()
    for source in sources.values():
        names = (source.name, Path(source.name).stem, source.title)
        if wanted in {" ".join(n.split()).casefold() for n in names if n}:
            return source.name
    raise UnknownDocument(
        f"No document matches {name!r}. Use a file name or title from: {'; '.join(sources)}."
    )


def mismatch(
    manifest: Manifest, model: str, chunker: Mapping[str, object], speaker_prefix: bool
) -> str | None:
    """Why a store's vectors cannot be kept for this model and chunker, or None: the same rule
    for both stores."""
    if manifest.format_version != FORMAT_VERSION:
        return f"it has format {manifest.format_version}, this version writes {FORMAT_VERSION}"
    if manifest.model != model:
        return f"it was built with model {manifest.model}, the configured one is {model}"
    if manifest.chunker != dict(chunker) or manifest.speaker_prefix != speaker_prefix:
        return "it was cut with other chunker or reader settings"
    return None


def keepers(
    held: Held,
    manifest: Manifest,
    new: Sequence[DocumentVectors],
    drop: Collection[str],
    where: str,
) -> list[str]:
    """The held documents a write keeps as they are: all but those replaced and those dropped.
    A store never loses one it was not told to drop: keeping them must be possible (the store
    was read whole, with vectors of this model), else the write is refused."""
    fresh = {p.source.name for p in new}
    listed = set(held.sources) | set(held.manifest.sources if held.manifest else ())
    kept = sorted(listed - fresh - set(drop))
    if not kept:
        return kept
    why: str | None
    if not held.usable:
        why = held.reason or "it could not be read whole"
    else:
        assert held.manifest is not None
        why = mismatch(held.manifest, manifest.model, manifest.chunker, manifest.speaker_prefix)
        if why is None and held.manifest.dimension != manifest.dimension:
            why = f"its vectors have {held.manifest.dimension} dimensions"
    if why is not None:
        raise IndexMismatch(
            f"{where} holds documents that this write would lose ({', '.join(kept)}): {why}. "
            "Embed them again (`webinar-rag ingest --rebuild`) or remove them "
            "(`webinar-rag corpus remove NAME`)."
        )
    return kept
