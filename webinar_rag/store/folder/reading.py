"""Reading an index folder back, every file checked against its manifest's checksum.

A load that overlaps an ingest's swap (the files changed under it) reads again; a damaged file
is named, with the command that rebuilds it. When an index is damaged, its documents' texts
may still be whole (`sources.jsonl` matches its checksum): an ingest then embeds them again
instead of losing them (`held_sources`).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import faiss

from webinar_rag.core import (
    FORMAT_VERSION,
    Chunk,
    IndexCorrupt,
    IndexFolderError,
    IndexMismatch,
    IndexNotFound,
    Manifest,
    Sentence,
    Source,
)
from webinar_rag.store.base import SentenceKey
from webinar_rag.store.folder import files
from webinar_rag.store.folder.index import FILES, Index, stamp_of
from webinar_rag.store.folder.lexical import LexicalIndex

LOAD_ATTEMPTS = 3  # a load that raced an ingest's swap reads the new folder again
REBUILD = "Rebuild it with `webinar-rag ingest --rebuild`."


def load(path: Path, expected_model: str | None = None) -> Index:
    """The index at `path`, its files checked against the manifest's checksums."""
    requested = Path(path)
    for attempt in range(1, LOAD_ATTEMPTS + 1):
        stamp = stamp_of(requested)  # before reading: a swap meanwhile shows as stale
        try:
            return _load_once(requested, stamp, expected_model)
        except IndexFolderError:
            now = stamp_of(requested)
            swapped = stamp is not None and (not requested.exists() or now != stamp)
            if not swapped or attempt == LOAD_ATTEMPTS:
                raise
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")


def load_manifest(path: Path) -> Manifest | None:
    """The manifest alone, to decide cheaply whether a rebuild is needed."""
    file = Path(path) / files.MANIFEST
    if not file.is_file():
        return None
    try:
        return Manifest(**json.loads(file.read_text("utf-8")))
    except (ValueError, TypeError) as exc:
        raise IndexCorrupt(f"The manifest at {file} is unreadable ({exc}).") from exc


def held_sources(path: Path) -> dict[str, Source] | None:
    """The documents of a (maybe damaged) index, when its manifest and `sources.jsonl` are
    whole; None when they are not."""
    path = files.live(Path(path))
    try:
        manifest = load_manifest(path)
        digest = manifest.checksums.get("sources.jsonl") if manifest else None
        if digest is None or files.damaged(path, {"sources.jsonl": digest}):
            return None
        records = files.read_jsonl(path / "sources.jsonl")
        return {s.name: s for s in map(Source.from_record, records)}
    except (IndexFolderError, ValueError, KeyError, TypeError, OSError):
        return None


def _load_once(requested: Path, stamp: tuple[int, int] | None, expected: str | None) -> Index:
    files.check_readable(requested)
    path = files.live(requested)
    if not (path / files.MANIFEST).is_file():
        raise IndexNotFound(f"No index at {path}. Run `webinar-rag ingest` first.")
    missing = [f for f in FILES if not (path / f).is_file()]
    if missing:
        listed = ", ".join(missing)
        raise IndexCorrupt(f"The index at {path} is incomplete (missing {listed}). {REBUILD}")
    try:
        manifest = load_manifest(path)
    except IndexCorrupt as exc:
        raise IndexCorrupt(f"{exc} {REBUILD}") from exc
    assert manifest is not None
    if manifest.format_version != FORMAT_VERSION:
        raise IndexMismatch(
            f"The index at {path} has format {manifest.format_version}, this version "
            f"reads {FORMAT_VERSION}. {REBUILD}"
        )
    if expected is not None and manifest.model != expected:
        raise IndexMismatch(
            f"The index at {path} was built with model {manifest.model}, but the configured "
            f"model is {expected}. Rebuild it with `webinar-rag ingest --rebuild`, "
            "or configure the model it was built with."
        )
    unlisted = [f for f in FILES if f != files.MANIFEST and f not in manifest.checksums]
    bad = unlisted[0] if unlisted else files.damaged(path, manifest.checksums)
    if bad is not None:
        raise IndexCorrupt(
            f"The index at {path} is damaged: {bad} does not match the checksum in its "
            "manifest. Run `webinar-rag ingest --rebuild` to rebuild it from the transcripts."
        )
    try:
        chunks, keys = _read_chunks(path / "chunks.jsonl")
        sources = [Source.from_record(r) for r in files.read_jsonl(path / "sources.jsonl")]
        chunk_vectors = faiss.read_index(str(path / "index.faiss"))
        sentence_vectors = faiss.read_index(str(path / "sentences.faiss"))
        lexical = LexicalIndex.load(path / "bm25")
    except (ValueError, KeyError, TypeError, RuntimeError, OSError) as exc:
        raise IndexCorrupt(
            f"The index at {path} is damaged ({type(exc).__name__}: {exc}). {REBUILD}"
        ) from exc
    if (
        chunk_vectors.ntotal != len(chunks)
        or chunk_vectors.d != manifest.dimension
        or sentence_vectors.ntotal != len(keys)
        or lexical.size != len(chunks)
    ):
        raise IndexCorrupt(
            f"The index at {path} does not match its chunk list "
            f"({chunk_vectors.ntotal} vectors, {len(chunks)} chunks). {REBUILD}"
        )
    return Index(
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


def _read_chunks(path: Path) -> tuple[list[Chunk], list[SentenceKey]]:
    chunks: list[Chunk] = []
    rows: dict[int, SentenceKey] = {}
    for r in files.read_jsonl(path):
        sentences = []
        for start, end, asks, row, kinds in r["sentences"]:
            sentences.append(Sentence(int(start), int(end), bool(asks), frozenset(kinds)))
            rows[int(row)] = (r["source"], int(start), int(end))
        chunks.append(Chunk(**{**r, "sentences": tuple(sentences)}))
    if sorted(rows) != list(range(len(rows))):
        raise ValueError("sentence rows are not contiguous")
    return chunks, [rows[i] for i in range(len(rows))]
