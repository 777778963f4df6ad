"""The PostgreSQL store (pgvector): `WEBINAR_RAG_STORE=postgresql://...`.

Filters are SQL conditions on the chunks table (speaker, document, start time), so they are
exact and can use their own indexes. Dense search is `ORDER BY embedding <#> q LIMIT n`: the
HNSW index (with pgvector's iterative scan, so a filter still fills the list), or an exact scan:
on a table of at most `EXACT_ROWS` chunks, or under a filter that admits at most
`EXACT_SUBSET` rows, as in the folder store. The folder store scans a whole table of up
to 100,000 rows exactly because numpy does it in milliseconds; pgvector's exact scan costs
~7 us a row at 768 dimensions (~0.7 s of a question at 100,000 chunks:
bench/results/archive.json), so the database's bound for a whole table is far lower. BM25 is
computed in SQL from the postings with bm25s's formula (Lucene idf, k1 1.5, b 0.75) over the
same stemmed tokens, so both stores rank words alike.

Chunks and documents are held in memory once loaded (the answerer reads their text and
sentences); vectors and postings stay in the database. A server calls `reloaded()` per question:
one small query, and a reload only after an ingest committed a new generation. Many processes
can share one database; an ingest is one transaction, so they see the old corpus or the new.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from webinar_rag.core import (
    Chunk,
    IndexCorrupt,
    IndexMismatch,
    IndexNotFound,
    Manifest,
    Sentence,
    Source,
)
from webinar_rag.store.base import (
    EVERYTHING,
    EXACT_SUBSET,
    Filter,
    Ranked,
    Store,
    document_named,
)
from webinar_rag.store.postgres.schema import EXACT_ROWS
from webinar_rag.store.postgres.schema import where as sql_where
from webinar_rag.store.terms import query_terms

K1, B = 1.5, 0.75  # bm25s's defaults, which the folder store's BM25 uses


def connect(url: str) -> Any:
    """A connection with pgvector's types registered (autocommit: transactions are explicit)."""
    import psycopg
    from pgvector.psycopg import register_vector

    try:
        conn = psycopg.connect(url, autocommit=True)
    except psycopg.OperationalError as exc:
        raise IndexNotFound(
            f"Cannot connect to the database named by WEBINAR_RAG_STORE ({exc}). Start it, or "
            "unset WEBINAR_RAG_STORE to use the index folder."
        ) from exc
    conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    register_vector(conn)
    return conn


def chunk_of(record: dict[str, Any]) -> Chunk:
    sentences = tuple(
        Sentence(int(a), int(b), bool(asks), frozenset(kinds))
        for a, b, asks, kinds in record["sentences"]
    )
    return Chunk(**{**record, "sentences": sentences})


class PgStore:
    kind = "postgresql"
    path: Path | None = None
    exact_rows: int = EXACT_ROWS  # a benchmark raises it to compare with the exact ranking

    def __init__(self, url: str, conn: Any, meta: tuple[Any, ...]) -> None:
        self.url = url
        self._conn = conn
        self._lock = threading.Lock()  # one connection: one statement at a time
        manifest, self.generation, self._n, self._avg_len = meta
        try:
            self.manifest = Manifest(**manifest)
        except TypeError as exc:  # written by another version of webinar-rag
            raise IndexCorrupt(
                f"The database's index has a manifest this version cannot read ({exc}). Use "
                "the webinar-rag version that wrote it, or a new database."
            ) from exc
        self.sources: dict[str, Source] = {
            name: Source.from_record(record)
            for name, record in conn.execute("SELECT name, record FROM wr_documents ORDER BY name")
        }
        self.chunks: list[Chunk] = []
        self._row: dict[int, int] = {}  # database id -> position in `chunks`
        self._ids: list[int] = []
        found = conn.execute("SELECT id, record FROM wr_chunks ORDER BY source, ordinal")
        for position, (chunk_id, record) in enumerate(found):
            self.chunks.append(chunk_of(record))
            self._row[chunk_id] = position
            self._ids.append(chunk_id)
        self._sentences: dict[tuple[str, int, int], np.ndarray] = {}
        self._counted: tuple[Filter, int] | None = None

    @classmethod
    def open(cls, url: str, expected_model: str | None = None) -> PgStore:
        conn = connect(url)
        meta = _meta(conn)
        if meta is None:
            raise IndexNotFound(
                "No index in the database named by WEBINAR_RAG_STORE. Run `webinar-rag ingest` "
                "with it set."
            )
        model = meta[0]["model"]
        if expected_model is not None and model != expected_model:
            raise IndexMismatch(
                f"The database's index was built with model {model}, but the configured model "
                f"is {expected_model}. Run `webinar-rag ingest --rebuild`, or configure its model."
            )
        return cls(url, conn, meta)

    def close(self) -> None:
        self._conn.close()

    def reloaded(self, expected_model: str | None = None) -> Store:
        with self._lock:
            row = self._conn.execute("SELECT generation FROM wr_meta").fetchone()
        if row is None or row[0] == self.generation:
            return self
        return PgStore.open(self.url, expected_model=expected_model)

    def document_named(self, name: str) -> str:
        return document_named(self.sources, name)

    # -- search ----------------------------------------------------------------------------------

    def count(self, where: Filter) -> int:
        if where.everything:
            return len(self.chunks)
        counted = self._counted
        if counted is not None and counted[0] == where:  # the search asks, then `dense` again
            return counted[1]
        condition, params = _condition(where)
        n = int(self._query(f"SELECT count(*) FROM wr_chunks c WHERE {condition}", params)[0][0])
        self._counted = (where, n)
        return n

    def dense(self, vector: np.ndarray, depth: int, where: Filter = EVERYTHING) -> Ranked:
        condition, params = _condition(where)
        # Unfiltered: exact on a small table, HNSW past `exact_rows`. Filtered: exact up to
        # EXACT_SUBSET rows, as the folder store (pgvector's HNSW under a filter related to the
        # question found 0.31 of the exact top 10 at ef_search 100: docs/scale.md).
        if where.everything:
            exact = self._n <= self.exact_rows
        else:
            exact = self.count(where) <= max(EXACT_SUBSET, self.exact_rows)
        settings = [
            f"SET LOCAL hnsw.ef_search = {max(40, min(depth, 1000))}",
            "SET LOCAL hnsw.iterative_scan = strict_order",
        ]
        if exact:
            settings.append("SET LOCAL enable_indexscan = off")
        rows = self._query(
            f"SELECT c.id, -(c.embedding <#> %(q)s) FROM wr_chunks c WHERE {condition} "
            "ORDER BY c.embedding <#> %(q)s, c.source, c.ordinal LIMIT %(depth)s",
            params | {"q": np.asarray(vector, np.float32), "depth": depth},
            settings,
        )
        return self._ranked(rows)

    def lexical(self, question: str, depth: int, where: Filter = EVERYTHING) -> Ranked:
        counts = Counter(query_terms(question))
        if not counts or not self._n:
            return []
        condition, params = _condition(where)
        sql = f"""
            WITH q(term, qtf) AS (SELECT * FROM unnest(%(terms)s::text[], %(qtf)s::int[])),
            df AS (SELECT p.term, count(*)::float8 AS df FROM wr_postings p
                   JOIN q USING (term) GROUP BY p.term)
            SELECT c.id, sum(q.qtf * ln(1 + (%(n)s - df.df + 0.5) / (df.df + 0.5))
                   * p.tf / ({K1} * ((1 - {B}) + {B} * c.len / %(avg)s) + p.tf)) AS score
            FROM wr_postings p JOIN q USING (term) JOIN df USING (term)
            JOIN wr_chunks c ON c.id = p.chunk
            WHERE {condition}
            GROUP BY c.id, c.source, c.ordinal
            ORDER BY score DESC, c.source, c.ordinal LIMIT %(depth)s"""
        params |= {"terms": list(counts), "qtf": list(counts.values()), "depth": depth}
        params |= {"n": float(self._n), "avg": float(self._avg_len)}
        return [(r, s) for r, s in self._ranked(self._query(sql, params)) if s > 0]

    def similarity(self, vector: np.ndarray, rows: Sequence[int]) -> np.ndarray:
        if not len(rows):
            return np.zeros(0, np.float32)
        ids = [self._ids[r] for r in rows]
        found = dict(
            self._query(
                "SELECT id, -(embedding <#> %(q)s) FROM wr_chunks WHERE id = ANY(%(ids)s)",
                {"q": np.asarray(vector, np.float32), "ids": ids},
            )
        )
        return np.asarray([found.get(i, float("-inf")) for i in ids], dtype=np.float32)

    # -- sentences -------------------------------------------------------------------------------

    def prefetch(self, chunks: Iterable[Chunk]) -> None:
        """The sentence vectors of these chunks, in one query."""
        wanted = {(c.source, s.start_char, s.end_char) for c in chunks for s in c.sentences} - set(
            self._sentences
        )
        if not wanted:
            return
        keys = sorted(wanted)
        rows = self._query(
            "SELECT s.source, s.start_char, s.end_char, s.embedding FROM wr_sentences s "
            "JOIN unnest(%(a)s::text[], %(b)s::int[], %(c)s::int[]) AS k(source, s0, e0) "
            "ON s.source = k.source AND s.start_char = k.s0 AND s.end_char = k.e0",
            {"a": [k[0] for k in keys], "b": [k[1] for k in keys], "c": [k[2] for k in keys]},
        )
        for source, start, end, embedding in rows:
            vector = embedding.to_numpy() if hasattr(embedding, "to_numpy") else embedding
            self._sentences[(source, start, end)] = np.asarray(vector, dtype=np.float32)

    def sentence_vector(self, source: str, sentence: Sentence) -> np.ndarray:
        key = (source, sentence.start_char, sentence.end_char)
        if key not in self._sentences:
            self.prefetch([_one_sentence(source, sentence)])
        return self._sentences[key]

    # -- helpers ---------------------------------------------------------------------------------

    def _query(self, sql: str, params: dict[str, Any], settings: Sequence[str] = ()) -> list[Any]:
        with self._lock, self._conn.transaction():
            for statement in settings:
                self._conn.execute(statement)
            return list(self._conn.execute(sql, params).fetchall())

    def _ranked(self, rows: Iterable[tuple[int, float]]) -> Ranked:
        """Database ids -> positions; a chunk written after this store loaded is skipped."""
        return [(self._row[i], float(s)) for i, s in rows if i in self._row]


def has_index(conn: Any) -> bool:
    """Has an ingest written an index into this database?"""
    return _meta(conn) is not None


def _meta(conn: Any) -> tuple[Any, ...] | None:
    exists = conn.execute("SELECT to_regclass('wr_meta') IS NOT NULL").fetchone()[0]
    if not exists:
        return None
    row = conn.execute("SELECT manifest, generation, n_chunks, avg_len FROM wr_meta").fetchone()
    if row is None:
        return None
    manifest = row[0] if isinstance(row[0], dict) else json.loads(row[0])
    return (manifest, *row[1:])


def _condition(where: Filter) -> tuple[str, dict[str, Any]]:
    return sql_where(
        sorted(where.speakers) if where.speakers is not None else None,
        where.unattributed,
        sorted(where.documents) if where.documents is not None else None,
        where.start_s,
        where.end_s,
    )


def _one_sentence(source: str, sentence: Sentence) -> Chunk:
    """A stand-in chunk holding one sentence, for `prefetch`."""
    return Chunk("", source, 0, None, None, sentence.start_char, sentence.end_char, "", (sentence,))
