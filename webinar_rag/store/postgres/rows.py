"""Writing rows into the PostgreSQL index: COPY, inside the writer's transaction.

Every write goes this way: an ingest's new and changed documents, a folder's rows moved into
the database (`copy_folder`), a Ray job's shards. Chunk ids are taken from the sequence up
front, so the postings can name them in the same pass; the meta row (manifest, generation,
BM25's N and average length) is rewritten last, so a reader sees all of a write or none.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

import numpy as np

from webinar_rag.core import Manifest
from webinar_rag.store.base import DocumentVectors
from webinar_rag.store.postgres import schema
from webinar_rag.store.terms import document_terms


def write_rows(
    conn: Any,
    parts: Iterable[DocumentVectors],
    drop: Iterable[str],
    manifest: Manifest,
    fresh: bool = False,
) -> None:
    """Inside the caller's transaction: (re)create the tables if `fresh`, delete `drop` and
    the documents being replaced, COPY the parts in, and record the manifest. Fresh tables
    get their indexes after the rows (`schema.indexes`)."""
    if fresh:
        for statement in schema.drop() + schema.create(manifest.dimension):
            conn.execute(statement)
    for name in drop:
        conn.execute("DELETE FROM wr_documents WHERE name = %s", (name,))
    for part in parts:
        _write_document(conn, part, manifest.speaker_prefix)
    if fresh:
        for statement in schema.indexes():
            conn.execute(statement)
    n, avg_len = conn.execute("SELECT count(*), coalesce(avg(len), 0) FROM wr_chunks").fetchone()
    sentences = conn.execute("SELECT count(*) FROM wr_sentences").fetchone()[0]
    names = dict(conn.execute("SELECT name, sha256 FROM wr_documents ORDER BY name").fetchall())
    record = asdict(manifest) | {"n_chunks": n, "n_sentences": sentences, "sources": names}
    conn.execute(
        """INSERT INTO wr_meta (id, manifest, generation, n_chunks, avg_len)
           VALUES (1, %s, 1, %s, %s)
           ON CONFLICT (id) DO UPDATE SET manifest = EXCLUDED.manifest,
             generation = wr_meta.generation + 1, n_chunks = EXCLUDED.n_chunks,
             avg_len = EXCLUDED.avg_len""",
        (json.dumps(record, ensure_ascii=False), n, float(avg_len)),
    )


def _write_document(conn: Any, part: DocumentVectors, speaker_prefix: bool) -> None:
    source = part.source
    conn.execute("DELETE FROM wr_documents WHERE name = %s", (source.name,))
    conn.execute(
        "INSERT INTO wr_documents (name, sha256, record) VALUES (%s, %s, %s)",
        (source.name, source.sha256, json.dumps(source.to_record(), ensure_ascii=False)),
    )
    terms = document_terms([c.embedding_text(speaker_prefix) for c in part.chunks])
    first = conn.execute("SELECT nextval('wr_chunks_id_seq')").fetchone()[0]
    ids = list(range(first + 1, first + 1 + len(part.chunks)))
    if ids:  # ids chosen up front, so postings can name them in the same COPY pass
        conn.execute("SELECT setval('wr_chunks_id_seq', %s)", (ids[-1],))
    columns = "id, source, ordinal, speaker, start_s, len, record, embedding"
    with conn.cursor().copy(f"COPY wr_chunks ({columns}) FROM STDIN") as copy:
        for ordinal, (chunk, vector, words) in enumerate(
            zip(part.chunks, part.chunk_vectors, terms, strict=True)
        ):
            record = asdict(chunk) | {
                "sentences": [
                    [s.start_char, s.end_char, s.asks, sorted(s.kinds)] for s in chunk.sentences
                ]
            }
            copy.write_row(
                (
                    ids[ordinal],
                    source.name,
                    ordinal,
                    chunk.speaker,
                    source.start_time_of(chunk.start_char, chunk.end_char),
                    len(words),
                    json.dumps(record, ensure_ascii=False),
                    _vector(vector),
                )
            )
    with conn.cursor().copy("COPY wr_postings (term, chunk, tf) FROM STDIN") as copy:
        for chunk_id, words in zip(ids, terms, strict=True):
            for term, tf in _counts(words).items():
                copy.write_row((term, chunk_id, tf))
    with conn.cursor().copy(
        "COPY wr_sentences (source, start_char, end_char, embedding) FROM STDIN"
    ) as copy:
        for (name, start, end), vector in zip(
            part.sentence_keys, part.sentence_vectors, strict=True
        ):
            copy.write_row((name, start, end, _vector(vector)))


def _counts(words: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    return counts


def _vector(vector: np.ndarray) -> str:
    """pgvector's text form, for COPY: 9 significant digits give every float32 back exactly,
    and one format call per vector is ~3x faster than a repr per number (an archive's
    millions of vectors)."""
    values = np.asarray(vector, np.float32).reshape(-1).tolist()
    return "[" + _format(len(values)) % tuple(values) + "]"


@functools.cache
def _format(dimension: int) -> str:
    return ",".join(["%.9g"] * dimension)
