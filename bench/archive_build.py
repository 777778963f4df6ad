"""The resampling behind bench/archive.py: real speaker turns of real meetings, with their
chunks, sentences and vectors, put together into new documents.

A `Catalogue` holds every turn of the source indexes that has chunks (`Piece`), and the source
vectors in two arrays; `plan` draws whole turns at random until the archive has `n` chunks, in
documents as long as the source meetings (their chunk counts drawn at random); `documents`
makes each document's `Source`, chunks (offsets shifted into the new text, ids recomputed),
sentence keys and the rows of their vectors; `parts` copies the vectors into two arrays
(memory-mapped under a scratch folder when given, so that `Index.build`'s own copies are the
only anonymous memory) and returns the `DocumentVectors` that `Index.build` takes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from webinar_rag.core import Chunk, Manifest, Sentence, Source, Turn, chunk_id
from webinar_rag.store import DocumentVectors, FaissStore, SentenceKey

SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Piece:
    """One real speaker turn with its chunks, and the rows of their vectors in the catalogue."""

    meeting: Source
    turn: Turn
    chunks: tuple[Chunk, ...]
    chunk_rows: np.ndarray
    sentence_keys: tuple[SentenceKey, ...]
    sentence_rows: np.ndarray


@dataclass
class Catalogue:
    manifest: Manifest
    pieces: list[Piece]
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    meeting_sizes: list[int]  # chunks per source meeting
    sources: list[str] = field(default_factory=list)  # the index folders read


def catalogue(paths: Sequence[Path]) -> Catalogue:
    """Every turn with chunks of the indexes at `paths`, read with the product's reader."""
    pieces: list[Piece] = []
    chunk_blocks: list[np.ndarray] = []
    sentence_blocks: list[np.ndarray] = []
    sizes: list[int] = []
    manifest: Manifest | None = None
    chunk_base = sentence_base = 0
    for path in tqdm(paths, desc="read source indexes", unit="index"):
        index = FaissStore.load(path).index
        if manifest is None:
            manifest = index.manifest
        elif (index.manifest.model, index.manifest.dimension) != (
            manifest.model,
            manifest.dimension,
        ):
            raise SystemExit(f"{path} was built with another model ({index.manifest.model}).")
        chunk_blocks.append(_all_vectors(index.chunk_vectors))
        sentence_blocks.append(_all_vectors(index.sentence_vectors))
        by_turn: dict[tuple[str, int], list[int]] = {}
        for row, c in enumerate(index.chunks):
            by_turn.setdefault((c.source, c.turn_index), []).append(row)
        for name, meeting in index.sources.items():
            sizes.append(sum(1 for c in index.chunks if c.source == name))
            for turn in meeting.turns:
                rows = by_turn.get((name, turn.index))
                if not rows:
                    continue
                chunks = tuple(index.chunks[r] for r in rows)
                keys = tuple(
                    dict.fromkeys(
                        (name, s.start_char, s.end_char) for c in chunks for s in c.sentences
                    )
                )
                pieces.append(
                    Piece(
                        meeting,
                        turn,
                        chunks,
                        np.asarray(rows, np.int64) + chunk_base,
                        keys,
                        np.asarray([index.sentence_rows[k] for k in keys], np.int64)
                        + sentence_base,
                    )
                )
        chunk_base += len(index.chunks)
        sentence_base += index.sentence_vectors.ntotal
    assert manifest is not None
    return Catalogue(
        manifest,
        pieces,
        np.concatenate(chunk_blocks),
        np.concatenate(sentence_blocks),
        [s for s in sizes if s],
        [str(p) for p in paths],
    )


def plan(cat: Catalogue, n: int, seed: int = 0) -> list[list[int]]:
    """Pieces (indices into `cat.pieces`) of each document: whole turns drawn at random until
    the archive holds at least `n` chunks, documents as long as random source meetings."""
    rng = np.random.default_rng(seed)
    counts = np.asarray([len(p.chunks) for p in cat.pieces])
    docs: list[list[int]] = []
    total = 0
    while total < n:
        want = min(int(rng.choice(cat.meeting_sizes)), n - total)
        drawn = rng.integers(0, len(cat.pieces), max(16, want))
        cum = np.cumsum(counts[drawn])
        while cum[-1] < want:  # short turns: draw more
            more = rng.integers(0, len(cat.pieces), len(drawn))
            drawn = np.concatenate([drawn, more])
            cum = np.cumsum(counts[drawn])
        cut = int(np.searchsorted(cum, want)) + 1  # the first prefix with `want` chunks
        docs.append(drawn[:cut].tolist())
        total += int(cum[cut - 1])
    return docs


@dataclass(frozen=True)
class Made:
    """A new document, and the catalogue rows of its vectors, in its chunk and sentence order."""

    source: Source
    chunks: list[Chunk]
    sentence_keys: list[SentenceKey]
    chunk_rows: np.ndarray
    sentence_rows: np.ndarray


def document(cat: Catalogue, name: str, pieces: Sequence[int]) -> Made:
    """The pieces' turns one after the other (a blank line between) in a new `Source`."""
    texts: list[str] = []
    turns: list[Turn] = []
    chunks: list[Chunk] = []
    keys: list[SentenceKey] = []
    pos = 0
    for k, i in enumerate(pieces):
        p = cat.pieces[i]
        t = p.turn
        start = min(t.start_char, t.heading[0]) if t.heading else t.start_char
        texts.append(p.meeting.text[start : t.end_char])
        d = pos - start
        turns.append(_shifted_turn(t, name, k, d))
        for c in p.chunks:
            s, e = c.start_char + d, c.end_char + d
            sentences = tuple(
                Sentence(x.start_char + d, x.end_char + d, x.asks, x.kinds) for x in c.sentences
            )
            chunks.append(
                Chunk(
                    chunk_id(name, s, e), name, k, c.speaker, c.affiliation, s, e, c.text, sentences
                )
            )
        keys.extend((name, a + d, b + d) for _, a, b in p.sentence_keys)
        pos += t.end_char - start + len(SEPARATOR)
    text = SEPARATOR.join(texts)
    source = Source(
        name=name,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        text=text,
        turns=tuple(turns),
        title=Path(name).stem,
        format=cat.pieces[pieces[0]].meeting.format,
    )
    return Made(
        source,
        chunks,
        keys,
        np.concatenate([cat.pieces[i].chunk_rows for i in pieces]),
        np.concatenate([cat.pieces[i].sentence_rows for i in pieces]),
    )


def _shifted_turn(t: Turn, name: str, index: int, d: int) -> Turn:
    return Turn(
        source=name,
        index=index,
        speaker=t.speaker,
        affiliation=t.affiliation,
        start_char=t.start_char + d,
        end_char=t.end_char + d,
        paragraphs=tuple((a + d, b + d) for a, b in t.paragraphs),
        heading=(t.heading[0] + d, t.heading[1] + d) if t.heading else None,
        start_time=t.start_time,
        end_time=t.end_time,
        page=t.page,
        marks=tuple((m[0] + d, *m[1:]) for m in t.marks),
    )


def documents(
    cat: Catalogue, docs: Sequence[Sequence[int]], prefix: str = "archive"
) -> Iterator[Made]:
    width = max(6, len(str(len(docs))))
    for number, pieces in enumerate(docs):
        yield document(cat, f"{prefix}-{number:0{width}d}.txt", pieces)


@dataclass
class Archive:
    parts: list[DocumentVectors]
    distinct_chunk_texts: int
    distinct_sentence_texts: int
    source_meetings: int


def parts(cat: Catalogue, docs: Sequence[Sequence[int]], scratch: Path | None = None) -> Archive:
    """The documents of `docs` as `DocumentVectors`, their vectors views of two arrays filled
    from the catalogue (each distinct text's vector is the one the product computed for it)."""
    counts = np.asarray([len(p.chunks) for p in cat.pieces])
    sentence_counts = np.asarray([len(p.sentence_keys) for p in cat.pieces])
    used = np.unique(np.concatenate([np.asarray(d, np.int64) for d in docs]))
    n_chunks = int(sum(counts[d].sum() for d in map(np.asarray, docs)))
    n_sentences = int(sum(sentence_counts[d].sum() for d in map(np.asarray, docs)))
    dim = cat.chunk_vectors.shape[1]
    chunk_vectors = _array(scratch, "chunks.npy", n_chunks, dim)
    sentence_vectors = _array(scratch, "sentences.npy", n_sentences, dim)
    out: list[DocumentVectors] = []
    a = b = 0
    bar = tqdm(total=n_chunks, desc="resample turns", unit="chunk", unit_scale=True)
    for made in documents(cat, docs):
        ca, sb = a + len(made.chunks), b + len(made.sentence_keys)
        chunk_vectors[a:ca] = cat.chunk_vectors[made.chunk_rows]
        sentence_vectors[b:sb] = cat.sentence_vectors[made.sentence_rows]
        out.append(
            DocumentVectors(
                made.source,
                made.chunks,
                chunk_vectors[a:ca],
                made.sentence_keys,
                sentence_vectors[b:sb],
            )
        )
        a, b = ca, sb
        bar.update(len(made.chunks))
    bar.close()
    chunk_texts = {c.text for i in used for c in cat.pieces[i].chunks}
    sentence_texts = {
        cat.pieces[i].meeting.text[s:e] for i in used for _, s, e in cat.pieces[i].sentence_keys
    }
    meetings = {cat.pieces[i].meeting.name for i in used}
    return Archive(out, len(chunk_texts), len(sentence_texts), len(meetings))


def _array(scratch: Path | None, name: str, rows: int, dim: int) -> np.ndarray:
    if scratch is None:
        return np.empty((rows, dim), np.float32)
    scratch.mkdir(parents=True, exist_ok=True)
    return np.lib.format.open_memmap(scratch / name, mode="w+", dtype=np.float32, shape=(rows, dim))


def _all_vectors(index: Any) -> np.ndarray:
    """Every stored vector as float32 (flat, HNSW or float16 alike)."""
    return np.asarray(index.reconstruct_n(0, index.ntotal), np.float32).reshape(-1, index.d)
