"""Ingest into PostgreSQL: incremental, and one transaction.

The same plan as the folder's ingest (`ingest.pipeline`): unchanged documents stay as they are
(in the database, untouched), new and changed ones are read and embedded, documents whose files
are gone are deleted. Everything is written in one transaction that also holds an advisory lock
(one ingest at a time): a crash, or any error, rolls back and leaves the previous corpus
visible; readers see the old corpus until the commit, then the new one (`PgStore.reloaded`).
Rows go in through COPY, the bulk path (`write_parts`, which bulk shards use too).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ingest import pg_schema
from ingest.chunks import Chunk
from ingest.corpus import find_transcripts
from ingest.embedder import Embedder, load_embedder, model_name
from ingest.errors import IndexBusy
from ingest.index import FORMAT_VERSION, Index, Manifest, Source
from ingest.pg_store import PgStore, connect
from ingest.pg_write import write_parts
from ingest.pipeline import _done, chunker_record, nothing_read, read_plan
from ingest.removal import check_removal, set_aside
from ingest.report import IngestReport, Stages, summarise
from ingest.settings import IngestSettings
from ingest.vectors import DocumentVectors, embed_documents


@dataclass(frozen=True)
class _Held:
    """What the database holds after the ingest, for the report."""

    sources: dict[str, Source]
    chunks: list[Chunk]


def ingest_database(
    url: str,
    paths: Sequence[Path] | None = None,
    settings: IngestSettings | None = None,
    *,
    rebuild: bool = False,
    embedder: Embedder | None = None,
    format: str | None = None,
    wait: float = 0.0,
) -> IngestReport:
    """Bring the database's index up to date with the given transcripts (see module doc)."""
    settings = settings or IngestSettings()
    began = time.perf_counter()
    clock = Stages()
    files, skipped = find_transcripts(paths or [settings.corpus])
    model = embedder.name if embedder else model_name(Path(settings.model_path))
    chunker = chunker_record(settings)
    conn = connect(url)
    with conn, conn.transaction():
        lock(conn, wait)
        existing = None if rebuild else _compatible(url, model, chunker, settings)
        if existing is not None:
            existing.close()  # its rows are in memory; this transaction writes
        plan, documents = read_plan(files, skipped, existing, format, settings.max_file_mb)
        clock.lap("read")
        if not documents and existing is not None and set(plan.keep) == set(existing.sources):
            return summarise(settings, plan.reports, existing, began, stages=clock.times)
        if not documents and not plan.keep:
            raise nothing_read(plan)
        embedder = embedder or load_embedder(settings.model_path)
        clock.lap("model")
        new = embed_documents(embedder, documents, settings)
        clock.lap("embed")
        kept = {n: s for n, s in plan.keep.items() if n not in new}
        manifest = Manifest(
            model=embedder.name,
            dimension=embedder.dimension,
            chunker=chunker,
            speaker_prefix=settings.speaker_prefix,
            sources={
                **{n: s.sha256 for n, s in kept.items()},
                **{n: p.source.sha256 for n, p in new.items()},
            },
            n_chunks=0,  # set by write_parts from the table
            n_sentences=0,
            vector_index=pg_schema.vector_index(),
        )
        fresh = existing is None
        drop = [n for n in existing.sources if n not in kept] if existing else []
        write_parts(conn, new.values(), drop, manifest, settings.speaker_prefix, fresh=fresh)
        clock.lap("write")
    held = _Held(
        {**kept, **{n: p.source for n, p in new.items()}},
        [c for c in (existing.chunks if existing else []) if c.source in kept]
        + [c for p in new.values() for c in p.chunks],
    )
    reports = [_done(r, new) for r in plan.reports]
    return summarise(settings, reports, held, began, written=True, stages=clock.times)


def lock(conn: Any, wait: float) -> None:
    """The ingest lock, for this transaction: at once, or within `wait` seconds."""
    if wait <= 0:
        got = conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (pg_schema.LOCK_KEY,)).fetchone()
        if not got[0]:
            raise IndexBusy("Another ingest is writing the database's index. Try again, or --wait.")
        return
    conn.execute(f"SET LOCAL lock_timeout = '{int(wait * 1000)}ms'")
    import psycopg

    try:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (pg_schema.LOCK_KEY,))
    except psycopg.errors.LockNotAvailable as exc:
        raise IndexBusy(f"Another ingest held the database's index for {wait:g} s.") from exc


def _compatible(
    url: str, model: str, chunker: dict[str, object], settings: IngestSettings
) -> PgStore | None:
    """The database's index, if its rows can be kept as they are."""
    try:
        store = PgStore.open(url)
    except Exception:  # no tables yet, or unreadable: start afresh
        return None
    m = store.manifest
    if (m.format_version, m.model, m.chunker, m.speaker_prefix) != (
        FORMAT_VERSION,
        model,
        chunker,
        settings.speaker_prefix,
    ):
        return None
    return store


def load_index(url: str, index: Index) -> None:
    """Copy an index folder's documents, chunks and vectors into the database, replacing what
    it held, in one transaction (moving a corpus from the folder to the database embeds
    nothing)."""
    conn = connect(url)
    try:
        with conn.transaction():
            lock(conn, 0)
            parts = [DocumentVectors.reuse(index, name) for name in sorted(index.sources)]
            manifest = replace(index.manifest, vector_index=pg_schema.vector_index())
            write_parts(conn, parts, [], manifest, manifest.speaker_prefix, fresh=True)
    finally:
        conn.close()


def remove_from_database(
    url: str, names: Sequence[str], settings: IngestSettings, *, wait: float = 0.0
) -> IngestReport:
    """Drop documents from the database's index in one transaction (no model needed)."""
    began = time.perf_counter()
    store = PgStore.open(url)
    store.close()
    check_removal(names, store.sources, "the database's index", "run `ingest --rebuild`")
    conn = connect(url)
    with conn, conn.transaction():
        lock(conn, wait)
        reports = set_aside(names, store.sources, settings.corpus)
        write_parts(conn, [], names, store.manifest, store.manifest.speaker_prefix)
    held = _Held(
        {n: s for n, s in store.sources.items() if n not in names},
        [c for c in store.chunks if c.source not in names],
    )
    return summarise(settings, reports, held, began, written=True)
