"""Where the indexed chunks live, as retrieval sees it: the `Store` protocol and its filter.

Two stores implement it: `FaissStore` (the index folder, the embedded default) and `PgStore`
(PostgreSQL with pgvector, `WEBINAR_RAG_STORE=postgresql://...`). A store answers three
questions under a `Filter` that it applies exactly (never a row outside it):
- `dense(vector, depth)`: the best rows by inner product, best first (exact below the size
  threshold, approximate above it, by an HNSW index);
- `lexical(question, depth)`: the best rows by BM25, best first, only rows sharing a word;
- `similarity(vector, rows)`: exact inner products of given rows (for fusion and scores).
Retrieval fuses the two rankings itself, so fusion is the same whatever the store.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ingest.chunks import Chunk, Sentence
from ingest.index import Manifest, Source

STORE_ENV = "WEBINAR_RAG_STORE"  # unset or a folder: FaissStore; postgresql://...: PgStore
Ranked = list[tuple[int, float]]  # (row, score), best first


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


class Corpus(Protocol):
    """What answering reads besides the search: chunks, documents, sentence vectors."""

    @property
    def manifest(self) -> Manifest: ...

    @property
    def chunks(self) -> list[Chunk]: ...

    @property
    def sources(self) -> dict[str, Source]: ...

    def sentence_vector(self, source: str, sentence: Sentence) -> np.ndarray: ...

    def document_named(self, name: str) -> str: ...


class Store(Corpus, Protocol):
    kind: str  # "faiss" or "postgresql", for reports

    @property
    def path(self) -> Path | None:
        """The index folder, for a folder store."""
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


def chunk_start_time(source: Source, chunk: Chunk) -> float | None:
    """When the chunk starts in the recording, if the document has times."""
    turn = source.turn_at(chunk.start_char, chunk.end_char)
    return None if turn is None else turn.position(chunk.start_char)[1]


def store_url() -> str | None:
    """The database to use (`WEBINAR_RAG_STORE=postgresql://...`), or None for the folder."""
    value = os.environ.get(STORE_ENV, "").strip()
    if value.startswith(("postgresql://", "postgres://")):
        return value
    return None


def top(scores: np.ndarray, rows: np.ndarray, depth: int, positive: bool = False) -> Ranked:
    """The `depth` best of `rows` by `scores[rows]`, best first; ties keep row order (as a
    stable sort of the rows by score would)."""
    if positive:
        rows = rows[scores[rows] > 0]
    if len(rows) > depth:
        cut = np.partition(-scores[rows], depth - 1)[depth - 1]
        rows = rows[-scores[rows] <= cut]
    order = np.lexsort((rows, -scores[rows]))[:depth]
    return [(int(rows[i]), float(scores[rows[i]])) for i in order]


def open_store(index_dir: Path, expected_model: str | None = None) -> Store:
    """The configured store: PostgreSQL when `WEBINAR_RAG_STORE` names a database, else the
    index folder."""
    url = store_url()
    if url is not None:
        from ingest.pg_store import PgStore

        return PgStore.open(url, expected_model=expected_model)
    from ingest.faiss_store import FaissStore

    return FaissStore.load(index_dir, expected_model=expected_model)
