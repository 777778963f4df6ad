"""The index folder: FAISS vectors plus JSON, written atomically (see `ingest.folder`), never
pickled. (About 350 lines: the in-memory index and its on-disk format, checksums included,
change together, so they stay in one file.)

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
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from ingest import folder, vector_index
from ingest.chunks import Chunk, Sentence
from ingest.errors import (
    IndexCorrupt,
    IndexFolderError,
    IndexMismatch,
    IndexNotFound,
    IndexWriteError,
    UnknownDocument,
)
from ingest.lexical import LexicalIndex
from ingest.turns import Turn

FORMAT_VERSION = 5  # 5: the manifest holds a sha256 per file
LOAD_ATTEMPTS = 3  # a load that raced an ingest's swap reads the new folder again
FILES = (
    "index.faiss",
    "sentences.faiss",
    "chunks.jsonl",
    "sources.jsonl",
    "manifest.json",
    "bm25/params.index.json",
)


@dataclass(frozen=True)
class Source:
    """A transcript as indexed: the text that citation offsets point into, and its turns."""

    name: str  # the file name: unique in an index, and how citations name the document
    sha256: str  # of the file's bytes
    text: str
    turns: tuple[Turn, ...]
    title: str = ""  # from the file's metadata, first heading or name
    format: str = "report"  # the reader that read it
    path: str | None = None  # where it was read from (an ingest re-reads it if it changed)

    @property
    def label(self) -> str:
        """How people see the document: its title, else its file name."""
        return self.title or self.name

    def turn_at(self, start: int, end: int) -> Turn | None:
        """The turn that holds the span `text[start:end]` whole, if any."""
        return next((t for t in self.turns if t.start_char <= start and end <= t.end_char), None)


@dataclass(frozen=True)
class Manifest:
    model: str
    dimension: int
    chunker: dict[str, Any]
    speaker_prefix: bool
    sources: dict[str, str]  # file name -> sha256
    n_chunks: int
    n_sentences: int
    format_version: int = FORMAT_VERSION
    metric: str = "inner_product"
    normalized: bool = True
    checksums: dict[str, str] = field(default_factory=dict)  # file -> sha256, set by `save`
    # flat (exact) or HNSW above the size threshold, with its parameters: ingest.vector_index
    vector_index: dict[str, Any] = field(default_factory=lambda: {"kind": "flat", "exact": True})


@dataclass
class Index:
    """Chunks with their vectors; sentence vectors for choosing what to quote."""

    path: Path | None
    manifest: Manifest
    chunks: list[Chunk]
    sources: dict[str, Source]
    chunk_vectors: faiss.Index
    sentence_vectors: faiss.Index
    sentence_rows: dict[tuple[str, int, int], int]
    lexical: LexicalIndex
    # `stamp_of(path)` when loaded: a reader compares it to see that an ingest swapped in a
    # newer index (`Assistant.refreshed`); None for an index built in memory.
    stamp: tuple[int, int] | None = None

    @classmethod
    def build(
        cls,
        manifest: Manifest,
        chunks: list[Chunk],
        sources: Sequence[Source],
        chunk_vectors: np.ndarray,
        sentence_vectors: np.ndarray,
        sentence_keys: list[tuple[str, int, int]],
    ) -> Index:
        vectors = vector_index.build(chunk_vectors, manifest.dimension)
        return cls(
            path=None,
            manifest=replace(manifest, vector_index=vector_index.describe(vectors)),
            chunks=chunks,
            sources={s.name: s for s in sources},
            chunk_vectors=vectors,
            sentence_vectors=_flat_ip(sentence_vectors, manifest.dimension),
            sentence_rows={key: row for row, key in enumerate(sentence_keys)},
            lexical=LexicalIndex.build([c.embedding_text(manifest.speaker_prefix) for c in chunks]),
        )

    def save(self, path: Path) -> None:
        """Write into a temporary folder beside `path`, then swap it into place. A write that
        fails (a full disk) leaves the previous index as it was."""
        path = Path(path)
        try:
            self._write(path)
        except OSError as exc:
            raise IndexWriteError(
                f"Could not write the index at {path} ({exc.strerror or exc}); the previous "
                "index is unchanged. Free some disk space or fix the folder's permissions, "
                "then run `webinar-rag ingest` again."
            ) from exc
        self.path = path
        self.stamp = self.stamp_of(path)

    def _write(self, path: Path) -> None:
        with folder.writing(path) as tmp:
            faiss.write_index(self.chunk_vectors, str(tmp / "index.faiss"))
            faiss.write_index(self.sentence_vectors, str(tmp / "sentences.faiss"))
            self.lexical.save(tmp / "bm25")
            folder.write_jsonl(tmp / "chunks.jsonl", (self._chunk_record(c) for c in self.chunks))
            folder.write_jsonl(
                tmp / "sources.jsonl", (_source_record(s) for s in self.sources.values())
            )
            manifest = replace(self.manifest, checksums=folder.checksums(tmp))
            (tmp / "manifest.json").write_text(
                json.dumps(asdict(manifest), indent=2, ensure_ascii=False), encoding="utf-8"
            )
            self.manifest = manifest

    @classmethod
    def load(cls, path: Path, expected_model: str | None = None) -> Index:
        """The index at `path`, its files checked against the manifest's checksums. A load
        that overlaps an ingest's swap (the files changed under it) reads again."""
        requested = Path(path)
        for attempt in range(1, LOAD_ATTEMPTS + 1):
            stamp = cls.stamp_of(requested)  # before reading: a swap meanwhile shows as stale
            try:
                return cls._load_once(requested, stamp, expected_model)
            except IndexFolderError:
                now = cls.stamp_of(requested)
                swapped = stamp is not None and (not requested.exists() or now != stamp)
                if not swapped or attempt == LOAD_ATTEMPTS:
                    raise
                time.sleep(0.05 * attempt)
        raise AssertionError("unreachable")

    @classmethod
    def _load_once(
        cls, requested: Path, stamp: tuple[int, int] | None, expected_model: str | None
    ) -> Index:
        folder.check_readable(requested)
        path = folder.live(requested)
        if not (path / "manifest.json").is_file():
            raise IndexNotFound(f"No index at {path}. Run `webinar-rag ingest` first.")
        missing = [f for f in FILES if not (path / f).is_file()]
        if missing:
            raise IndexCorrupt(
                f"The index at {path} is incomplete (missing {', '.join(missing)}). "
                "Rebuild it with `webinar-rag ingest --rebuild`."
            )
        try:
            manifest = cls.load_manifest(path)
        except IndexCorrupt as exc:
            raise IndexCorrupt(f"{exc} Rebuild it with `webinar-rag ingest --rebuild`.") from exc
        assert manifest is not None
        if manifest.format_version != FORMAT_VERSION:
            raise IndexMismatch(
                f"The index at {path} has format {manifest.format_version}, this version "
                f"reads {FORMAT_VERSION}. Rebuild it with `webinar-rag ingest --rebuild`."
            )
        if expected_model is not None and manifest.model != expected_model:
            raise IndexMismatch(
                f"The index at {path} was built with model {manifest.model}, but the configured "
                f"model is {expected_model}. Rebuild it with `webinar-rag ingest --rebuild`, "
                "or configure the model it was built with."
            )
        unlisted = [f for f in FILES if f != "manifest.json" and f not in manifest.checksums]
        bad = unlisted[0] if unlisted else folder.damaged(path, manifest.checksums)
        if bad is not None:
            raise IndexCorrupt(
                f"The index at {path} is damaged: {bad} does not match the checksum in its "
                "manifest. Run `webinar-rag ingest --rebuild` to rebuild it from the transcripts."
            )
        try:
            chunks, keys = _read_chunks(path / "chunks.jsonl")
            sources = [_read_source(r) for r in folder.read_jsonl(path / "sources.jsonl")]
            chunk_vectors = faiss.read_index(str(path / "index.faiss"))
            sentence_vectors = faiss.read_index(str(path / "sentences.faiss"))
            lexical = LexicalIndex.load(path / "bm25")
        except (ValueError, KeyError, TypeError, RuntimeError, OSError) as exc:
            raise IndexCorrupt(
                f"The index at {path} is damaged ({type(exc).__name__}: {exc}). "
                "Rebuild it with `webinar-rag ingest --rebuild`."
            ) from exc
        if (
            chunk_vectors.ntotal != len(chunks)
            or chunk_vectors.d != manifest.dimension
            or sentence_vectors.ntotal != len(keys)
            or lexical.size != len(chunks)
        ):
            raise IndexCorrupt(
                f"The index at {path} does not match its chunk list "
                f"({chunk_vectors.ntotal} vectors, {len(chunks)} chunks). "
                "Rebuild it with `webinar-rag ingest --rebuild`."
            )
        return cls(
            requested,
            manifest,
            chunks,
            {s.name: s for s in sources},
            chunk_vectors,
            sentence_vectors,
            {k: row for row, k in enumerate(keys)},
            lexical,
            stamp,
        )

    @staticmethod
    def load_manifest(path: Path) -> Manifest | None:
        """The manifest alone, to decide cheaply whether a rebuild is needed."""
        file = Path(path) / "manifest.json"
        if not file.is_file():
            return None
        try:
            return Manifest(**json.loads(file.read_text("utf-8")))
        except (ValueError, TypeError) as exc:
            raise IndexCorrupt(f"The manifest at {file} is unreadable ({exc}).") from exc

    def document_named(self, name: str) -> str:
        """A document named by its file name, file stem or title (any case) -> its file name."""
        wanted = " ".join(name.split()).casefold()
        for source in self.sources.values():
            names = (source.name, Path(source.name).stem, source.title)
            if wanted in {" ".join(n.split()).casefold() for n in names if n}:
                return source.name
        raise UnknownDocument(
            f"No document matches {name!r}. Use a file name or title from: "
            f"{'; '.join(self.sources)}."
        )

    @staticmethod
    def stamp_of(path: Path) -> tuple[int, int] | None:
        """Identifies one written index: its manifest file's inode and modification time (a
        swapped-in folder has a new manifest file). None when there is no index there."""
        try:
            info = (folder.live(Path(path)) / "manifest.json").stat()
        except OSError:
            return None
        return info.st_ino, info.st_mtime_ns

    def vectors_of(
        self, source: str
    ) -> tuple[list[Chunk], np.ndarray, dict[tuple[str, int, int], np.ndarray]]:
        """One document's chunks, their vectors, and its sentences' vectors: what an
        incremental ingest reuses for a file that did not change."""
        rows = [r for r, c in enumerate(self.chunks) if c.source == source]
        chunk_vectors = np.asarray(
            [self.chunk_vectors.reconstruct(r) for r in rows], dtype=np.float32
        ).reshape(len(rows), self.manifest.dimension)
        sentences = {
            key: np.asarray(self.sentence_vectors.reconstruct(row))
            for key, row in self.sentence_rows.items()
            if key[0] == source
        }
        return [self.chunks[r] for r in rows], chunk_vectors, sentences

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


def _flat_ip(vectors: np.ndarray, dimension: int) -> faiss.Index:
    index = faiss.IndexFlatIP(dimension)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def _read_chunks(path: Path) -> tuple[list[Chunk], list[tuple[str, int, int]]]:
    chunks: list[Chunk] = []
    rows: dict[int, tuple[str, int, int]] = {}
    for r in folder.read_jsonl(path):
        sentences = []
        for start, end, asks, row, kinds in r["sentences"]:
            sentences.append(Sentence(int(start), int(end), bool(asks), frozenset(kinds)))
            rows[int(row)] = (r["source"], int(start), int(end))
        chunks.append(Chunk(**{**r, "sentences": tuple(sentences)}))
    if sorted(rows) != list(range(len(rows))):
        raise ValueError("sentence rows are not contiguous")
    return chunks, [rows[i] for i in range(len(rows))]


def _source_record(source: Source) -> dict[str, Any]:
    return asdict(source)


def _read_source(record: dict[str, Any]) -> Source:
    turns = tuple(
        Turn(
            **{
                **t,
                "paragraphs": tuple(tuple(p) for p in t["paragraphs"]),
                "heading": tuple(t["heading"]) if t["heading"] else None,
                "marks": tuple(tuple(m) for m in t.get("marks", ())),
            }
        )
        for t in record["turns"]
    )
    return Source(**{**record, "turns": turns})
