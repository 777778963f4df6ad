"""The PostgreSQL layout of an index (pgvector), shared by the store and its ingest.

wr_meta       one row: the manifest, the generation (bumped by every ingest), BM25's N and
              average length
wr_documents  one row per document: its `Source` as JSON (text, turns, title, format, path)
wr_chunks     one row per chunk: filter columns (source, speaker, start_s), the chunk as JSON,
              its vector (HNSW index, inner product) and its BM25 length
wr_sentences  sentence vectors (halfvec: float16, half the size; read back one by one to
              score a few candidates), keyed by (source, start_char, end_char)
wr_postings   the lexical side: (term, chunk, tf), the same tokens and stems as bm25s
Deleting a document deletes its chunks, sentences and postings (ON DELETE CASCADE).
"""

from __future__ import annotations

from typing import Any

HNSW_M = 16  # pgvector's defaults: m 16, ef_construction 64
HNSW_EF_CONSTRUCTION = 64
LOCK_KEY = 0x77725F6D  # advisory lock held by an ingest for its whole transaction
TABLES = ("wr_postings", "wr_sentences", "wr_chunks", "wr_documents", "wr_meta")

# The rows under which a dense search scans exactly rather than walking HNSW: ~70 ms of
# pgvector's exact scan (a meeting or a few are far fewer rows, and stay exact). The folder
# store's bound is 100,000 (`IndexSettings.ann_threshold`): numpy scans that in milliseconds.
EXACT_ROWS = 10_000


def create(dimension: int) -> list[str]:
    """Statements that create the tables for vectors of `dimension`, without the indexes and
    the postings' foreign key (`indexes`, run after the first rows are in)."""
    return [
        "CREATE EXTENSION IF NOT EXISTS vector",
        """CREATE TABLE wr_meta (
            id int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
            manifest jsonb NOT NULL,
            generation bigint NOT NULL,
            n_chunks bigint NOT NULL,
            avg_len float8 NOT NULL)""",
        """CREATE TABLE wr_documents (
            name text PRIMARY KEY,
            sha256 text NOT NULL,
            record jsonb NOT NULL)""",
        f"""CREATE TABLE wr_chunks (
            id bigserial PRIMARY KEY,
            source text NOT NULL REFERENCES wr_documents (name) ON DELETE CASCADE,
            ordinal int NOT NULL,
            speaker text,
            start_s float8,
            len int NOT NULL,
            record jsonb NOT NULL,
            embedding vector({int(dimension)}) NOT NULL,
            UNIQUE (source, ordinal))""",
        f"""CREATE TABLE wr_sentences (
            source text NOT NULL REFERENCES wr_documents (name) ON DELETE CASCADE,
            start_char int NOT NULL,
            end_char int NOT NULL,
            embedding halfvec({int(dimension)}) NOT NULL,
            PRIMARY KEY (source, start_char, end_char))""",
        """CREATE TABLE wr_postings (
            term text NOT NULL,
            chunk bigint NOT NULL,
            tf int NOT NULL)""",
    ]


# Memory for building the indexes of a fresh table (this transaction only): pgvector builds
# HNSW fast while the graph fits (~3.3 KB a chunk at 768 dimensions: 4 GB holds a million
# chunks), much slower once not. It is taken only as the build needs it.
BUILD_MEMORY = "4GB"


def indexes() -> list[str]:
    """The indexes and the postings' foreign key of the tables `create` makes. A fresh table
    gets them after its first rows are copied in, as pgvector advises for a bulk load: one
    sorted build and one validating join, instead of an index insert and a key check per row
    (rows written later go through them as usual)."""
    return [
        f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'",
        "CREATE INDEX wr_chunks_speaker ON wr_chunks (speaker)",
        "CREATE INDEX wr_chunks_start ON wr_chunks (start_s)",
        f"""CREATE INDEX wr_chunks_hnsw ON wr_chunks USING hnsw (embedding vector_ip_ops)
            WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})""",
        """ALTER TABLE wr_postings ADD CONSTRAINT wr_postings_chunk_fkey
            FOREIGN KEY (chunk) REFERENCES wr_chunks (id) ON DELETE CASCADE""",
        "CREATE INDEX wr_postings_term ON wr_postings (term) INCLUDE (chunk, tf)",
        "CREATE INDEX wr_postings_chunk ON wr_postings (chunk)",
    ]


def drop() -> list[str]:
    return [f"DROP TABLE IF EXISTS {t} CASCADE" for t in TABLES]


def vector_index() -> dict[str, Any]:
    """What the manifest records about the database's vector index."""
    return {
        "kind": "pgvector hnsw",
        "m": HNSW_M,
        "ef_construction": HNSW_EF_CONSTRUCTION,
        # a search admitting at most this many rows scans exactly (PgStore.exact_rows)
        "exact_below": EXACT_ROWS,
    }


def where(
    speakers: list[str] | None,
    unattributed: bool,
    documents: list[str] | None,
    start_s: float | None,
    end_s: float | None,
) -> tuple[str, dict[str, Any]]:
    """The SQL condition on wr_chunks (alias c) for a filter, and its parameters."""
    terms: list[str] = ["TRUE"]
    params: dict[str, Any] = {}
    if speakers is not None or unattributed:
        terms.append("(c.speaker = ANY(%(speakers)s) OR (c.speaker IS NULL AND %(unattributed)s))")
        params |= {"speakers": speakers or [], "unattributed": unattributed}
    if documents is not None:
        terms.append("c.source = ANY(%(documents)s)")
        params["documents"] = documents
    if start_s is not None:
        terms.append("c.start_s >= %(start_s)s")
        params["start_s"] = start_s
    if end_s is not None:
        terms.append("c.start_s <= %(end_s)s")
        params["end_s"] = end_s
    return " AND ".join(terms), params
