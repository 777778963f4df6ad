"""The index folder in memory: FAISS vectors, BM25 and the chunk and document lists, and how it
is written (atomically, webinar_rag.store.folder.files) and read back
(webinar_rag.store.folder.reading). Never pickled.

index.faiss      chunk vectors (normalised, inner product)
sentences.faiss  sentence vectors, for picking the sentence that answers
bm25/            the lexical index (bm25s arrays and JSON)
chunks.jsonl     one chunk a line, with its sentences and their row in sentences.faiss
sources.jsonl    each document's text, title, format and turns, so offsets can be checked
manifest.json    model, dimension, chunker settings, corpus checksums, format version, and a
                 sha256 of each file above, checked at load (a damaged file is named)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from webinar_rag.core import Chunk, Manifest, Sentence, Source
from webinar_rag.store.base import DocumentVectors, SentenceKey, document_named
from webinar_rag.store.folder import files, vectors
from webinar_rag.store.folder.lexical import LexicalIndex

FILES = (
    "index.faiss",
    "sentences.faiss",
    "chunks.jsonl",
    "sources.jsonl",
    "manifest.json",
    "bm25/params.index.json",
)


@dataclass
class Index:
    """Chunks with their vectors; sentence vectors for choosing what to quote."""

    path: Path | None
    manifest: Manifest
    chunks: list[Chunk]
    sources: dict[str, Source]
    chunk_vectors: faiss.Index
    sentence_vectors: faiss.Index
    sentence_rows: dict[SentenceKey, int]
    lexical: LexicalIndex
    # `stamp_of(path)` when loaded: a reader compares it to see that an ingest swapped in a
    # newer index (`Assistant.refreshed`); None for an index built in memory.
    stamp: tuple[int, int] | None = None
    _documents: dict[str, tuple[list[int], list[SentenceKey]]] | None = field(
        default=None, repr=False, compare=False
    )

    @classmethod
    def build(
        cls, manifest: Manifest, parts: Sequence[DocumentVectors], ann_threshold: int
    ) -> Index:
        """One index over the documents' parts, in the order given; the chunk vectors' index
        is HNSW above `ann_threshold` chunks."""
        dim = manifest.dimension
        empty = np.zeros((0, dim), np.float32)
        chunks = [c for p in parts for c in p.chunks]
        keys = [k for p in parts for k in p.sentence_keys]
        chunk_vectors = vectors.build(
            np.concatenate([p.chunk_vectors for p in parts] or [empty]), dim, ann_threshold
        )
        manifest = replace(
            manifest,
            sources={p.source.name: p.source.sha256 for p in parts},
            n_chunks=len(chunks),
            n_sentences=len(keys),
            vector_index=vectors.describe(chunk_vectors),
        )
        return cls(
            path=None,
            manifest=manifest,
            chunks=chunks,
            sources={p.source.name: p.source for p in parts},
            chunk_vectors=chunk_vectors,
            sentence_vectors=sentence_index(
                np.concatenate([p.sentence_vectors for p in parts] or [empty]), dim
            ),
            sentence_rows={key: row for row, key in enumerate(keys)},
            lexical=LexicalIndex.build([c.embedding_text(manifest.speaker_prefix) for c in chunks]),
        )

    def save(self, path: Path) -> None:
        """Write into a temporary folder beside `path`, then swap it into place. A write that
        fails (a full disk) leaves the previous index as it was."""
        path = Path(path)
        try:
            self._write(path)
        except OSError as exc:
            raise files.write_error(exc, path) from exc
        self.path = path
        self.stamp = stamp_of(path)

    def _write(self, path: Path) -> None:
        with files.writing(path) as tmp:
            _write_faiss(self.chunk_vectors, tmp / "index.faiss")
            _write_faiss(self.sentence_vectors, tmp / "sentences.faiss")
            self.lexical.save(tmp / "bm25")
            files.write_jsonl(tmp / "chunks.jsonl", (self._chunk_record(c) for c in self.chunks))
            files.write_jsonl(tmp / "sources.jsonl", (s.to_record() for s in self.sources.values()))
            manifest = replace(self.manifest, checksums=files.checksums(tmp))
            (tmp / "manifest.json").write_text(
                json.dumps(asdict(manifest), indent=2, ensure_ascii=False), encoding="utf-8"
            )
            self.manifest = manifest

    def document_named(self, name: str) -> str:
        return document_named(self.sources, name)

    def part(self, name: str) -> DocumentVectors:
        """One document's chunks and sentences with their vectors: what an incremental ingest
        keeps for a file that did not change, and what `copy_index` moves into a database."""
        chunk_rows, sentence_keys = self._by_document().get(name, ([], []))
        dim = self.manifest.dimension
        chunk_vectors = _rows_of(self.chunk_vectors, chunk_rows, dim)
        sentence_vectors = _rows_of(
            self.sentence_vectors, [self.sentence_rows[k] for k in sentence_keys], dim
        )
        chunks = [self.chunks[r] for r in chunk_rows]
        return DocumentVectors(
            self.sources[name], chunks, chunk_vectors, list(sentence_keys), sentence_vectors
        )

    def _by_document(self) -> dict[str, tuple[list[int], list[SentenceKey]]]:
        """Each document's chunk rows and sentence keys, in index order, worked out once (a
        walk over every row per document was minutes for an archive of thousands)."""
        if self._documents is None:
            found: dict[str, tuple[list[int], list[SentenceKey]]] = {}
            for row, chunk in enumerate(self.chunks):
                found.setdefault(chunk.source, ([], []))[0].append(row)
            for key in self.sentence_rows:
                found.setdefault(key[0], ([], []))[1].append(key)
            self._documents = found
        return self._documents

    def sentence_vector(self, source: str, sentence: Sentence) -> np.ndarray:
        row = self.sentence_rows[(source, sentence.start_char, sentence.end_char)]
        return np.asarray(self.sentence_vectors.reconstruct(row))

    def _chunk_record(self, chunk: Chunk) -> dict[str, Any]:
        record = asdict(chunk)
        record["sentences"] = [
            [
                s.start_char,
                s.end_char,
                s.asks,
                self.sentence_rows[(chunk.source, s.start_char, s.end_char)],
                sorted(s.kinds),
            ]
            for s in chunk.sentences
        ]
        return record


def stamp_of(path: Path) -> tuple[int, int] | None:
    """Identifies one written index: its manifest file's inode and modification time (a
    swapped-in folder has a new manifest file). None when there is no index there."""
    try:
        info = (files.live(Path(path)) / files.MANIFEST).stat()
    except OSError:
        return None
    return info.st_ino, info.st_mtime_ns


def _rows_of(vectors: faiss.Index, rows: Sequence[int], dimension: int) -> np.ndarray:
    """Some rows' stored vectors as float32 (flat, HNSW or float16 alike), in one call."""
    if not rows:
        return np.zeros((0, dimension), np.float32)
    ids = np.ascontiguousarray(rows, dtype=np.int64)
    return np.asarray(vectors.reconstruct_batch(ids), np.float32).reshape(len(ids), dimension)


def _write_faiss(vectors: faiss.Index, path: Path) -> None:
    try:
        faiss.write_index(vectors, str(path))
    except RuntimeError as exc:
        raise files.faiss_failure(exc, path) from exc


def sentence_index(vectors: np.ndarray, dimension: int) -> faiss.Index:
    """Sentence vectors kept as float16 (FAISS's scalar quantiser): half the memory and disk of
    float32, and they are only ever read back one by one to score a few candidate sentences
    (a sentence's similarity moves by about 1e-4; tests/test_vector_precision.py). An index
    written before keeps its float32 vectors and is read as it is."""
    index = faiss.IndexScalarQuantizer(
        dimension, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
    )
    rows = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, dimension)
    index.train(rows)  # float16 learns nothing; FAISS wants the call
    if len(rows):
        index.add(rows)
    return index
