"""The embedded default store: an index folder (`webinar_rag.store.folder.index`) behind
`Store`.

Filters become row sets, made once per store (rows by speaker, by document, start times), so a
filter costs set arithmetic rather than a walk over every chunk. Below the ANN threshold the
index is flat and `dense` scores every admitted row exactly, as the search always did; above it
HNSW supplies the candidates (see `webinar_rag.store.folder.vectors`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

from webinar_rag.core import Chunk, IndexFolderError, Manifest, Sentence, Source
from webinar_rag.store.base import EVERYTHING, Filter, Ranked, Store, top
from webinar_rag.store.folder import reading
from webinar_rag.store.folder import vectors as vector_index
from webinar_rag.store.folder.index import Index, stamp_of

log = logging.getLogger(__name__)


class FaissStore:
    kind = "faiss"

    def __init__(self, index: Index) -> None:
        self.index = index
        self.manifest: Manifest = index.manifest
        self.chunks: list[Chunk] = index.chunks
        self.sources: dict[str, Source] = index.sources
        by_speaker: dict[str | None, list[int]] = {}
        by_source: dict[str, list[int]] = {}
        for row, chunk in enumerate(index.chunks):
            by_speaker.setdefault(chunk.speaker, []).append(row)
            by_source.setdefault(chunk.source, []).append(row)
        self._by_speaker = {k: np.asarray(v, np.int64) for k, v in by_speaker.items()}
        self._by_source = {k: np.asarray(v, np.int64) for k, v in by_source.items()}
        self._exact = vector_index.is_exact(index.chunk_vectors)
        self._scored: tuple[bytes, np.ndarray] | None = None  # the last question's scores
        self._unusable: tuple[int, int] | None = None  # a newer index that failed to load

    @classmethod
    def load(cls, path: Path, expected_model: str | None = None) -> FaissStore:
        return cls(reading.load(path, expected_model=expected_model))

    # -- the corpus, as the index holds it -------------------------------------------------------

    @property
    def path(self) -> Path | None:
        return self.index.path

    def sentence_vector(self, source: str, sentence: Sentence) -> np.ndarray:
        return self.index.sentence_vector(source, sentence)

    def document_named(self, name: str) -> str:
        return self.index.document_named(name)

    def prefetch(self, chunks: Iterable[Chunk]) -> None:
        """Everything is in memory already."""

    def reloaded(self, expected_model: str | None = None) -> Store:
        """A server calls it per question: one `stat`, and a load only after an ingest. A newer
        index that does not load (damaged, removed) is logged once, and this one answers on."""
        path = self.index.path
        if path is None:
            return self
        stamp = stamp_of(path)
        if stamp in (self.index.stamp, self._unusable):
            return self
        try:
            return FaissStore.load(path, expected_model=expected_model)
        except IndexFolderError as exc:
            log.warning("Still answering from the index loaded before: %s", exc)
            self._unusable = stamp
            return self

    # -- search ----------------------------------------------------------------------------------

    def rows(self, where: Filter) -> np.ndarray | None:
        """The admitted rows, ascending; None for every row."""
        if where.everything:
            return None
        parts: list[np.ndarray] = []
        empty = np.zeros(0, np.int64)
        rows: np.ndarray | None = None
        if where.speakers is not None or where.unattributed:
            names: list[str | None] = [*(where.speakers or ())]
            if where.unattributed:
                names.append(None)
            parts = [self._by_speaker.get(n, empty) for n in names]
            rows = np.unique(np.concatenate(parts or [empty]))
        if where.documents is not None:
            docs = np.concatenate(
                [self._by_source.get(d, empty) for d in where.documents] or [empty]
            )
            rows = np.unique(docs) if rows is None else np.intersect1d(rows, docs)
        if where.start_s is not None or where.end_s is not None:
            low = -np.inf if where.start_s is None else where.start_s
            high = np.inf if where.end_s is None else where.end_s
            timed = np.flatnonzero((self._starts >= low) & (self._starts <= high))
            rows = timed if rows is None else np.intersect1d(rows, timed)
        return rows

    @cached_property
    def _starts(self) -> np.ndarray:
        """Each chunk's start time (NaN: none), worked out on the first time filter."""
        starts = np.full(len(self.chunks), np.nan, dtype=np.float64)
        for row, chunk in enumerate(self.chunks):
            start = self.sources[chunk.source].start_time_of(chunk.start_char, chunk.end_char)
            if start is not None:
                starts[row] = start
        return starts

    def count(self, where: Filter) -> int:
        rows = self.rows(where)
        return len(self.chunks) if rows is None else len(rows)

    def dense(self, vector: np.ndarray, depth: int, where: Filter = EVERYTHING) -> Ranked:
        rows = self.rows(where)
        if self._exact:
            scores = self._all_scores(vector)
            return top(scores, rows, depth)
        scores, ids = vector_index.search(self.index.chunk_vectors, vector, depth, rows)
        return [(int(i), float(s)) for s, i in zip(scores, ids, strict=True)]

    def lexical(self, question: str, depth: int, where: Filter = EVERYTHING) -> Ranked:
        scores = self.index.lexical.scores(question)
        rows = self.rows(where)
        return top(scores, rows, depth, positive=True)

    def similarity(self, vector: np.ndarray, rows: Sequence[int]) -> np.ndarray:
        wanted = np.asarray(rows, dtype=np.int64)
        if self._exact:
            return self._all_scores(vector)[wanted]
        return vector_index.similarity(self.index.chunk_vectors, vector, wanted)

    def _all_scores(self, vector: np.ndarray) -> np.ndarray:
        """Every chunk's score, from one flat scan (kept for the same question's later calls)."""
        key = np.asarray(vector, np.float32).tobytes()
        if self._scored is None or self._scored[0] != key:
            # one matrix-vector product over the stored vectors: FAISS's search for all n
            # rows would also sort them (most of a question's time at 20k chunks)
            stored = vector_index.stored_vectors(self.index.chunk_vectors)
            dense = stored @ np.asarray(vector, np.float32).reshape(-1)
            self._scored = (key, np.asarray(dense, np.float32))
        return self._scored[1]
