"""Writing the PostgreSQL index: one transaction per ingest, under an advisory lock.

`with PgWriter(url, ...)` opens a transaction and takes the lock (one ingest at a time); a crash
or any error rolls back and leaves the previous corpus visible, and readers see the old corpus
until the commit, then the new one (`PgStore.reloaded`). Rows go in through COPY
(webinar_rag.store.postgres.rows).

The database is never emptied by accident: a database that has no index yet is the only one
whose tables are created afresh, and one whose index cannot be read stops the ingest with the
reason; when the model or chunker changed, the tables are made again only with every document
they held embedded anew (the ingest flow hands them all over; `write` checks).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from contextlib import ExitStack
from dataclasses import replace
from typing import Any

from webinar_rag.core import DatabaseConnectionLost, IndexBusy, IndexMismatch, Manifest
from webinar_rag.store.base import EMPTY, DocumentVectors, Held, Writer, keepers, mismatch
from webinar_rag.store.postgres import schema
from webinar_rag.store.postgres.rows import write_rows
from webinar_rag.store.postgres.store import PgStore, connect, has_index


class PgWriter:
    def __init__(self, url: str, wait: float = 0.0) -> None:
        self.url = url  # the HNSW index always exists; PgStore chooses exact or HNSW per search
        self.wait = wait
        self.where = "the database's index"
        self._stack: ExitStack | None = None
        self._conn: Any = None
        self._held: PgStore | None = None
        self._seen: Held | None = None

    def __enter__(self) -> Writer:
        stack = ExitStack()
        # A COPY cut short by a lost connection logs a warning as it unwinds; the error that
        # follows says it in one line (the CLI's), so the warning is not printed beside it.
        psycopg_log = logging.getLogger("psycopg")
        psycopg_log.addFilter(_unwinding)
        stack.callback(psycopg_log.removeFilter, _unwinding)
        self._conn = stack.enter_context(connect(self.url))
        stack.enter_context(self._conn.transaction())
        self._stack = stack
        try:
            lock(self._conn, self.wait)
        except BaseException:
            stack.close()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        """Commits when the block ends normally, rolls back on an error. A connection lost on
        the way (the server killed or restarted) is said as such, with what to do."""
        import psycopg

        stack, self._stack = self._stack, None
        self._held, self._seen = None, None
        committing = exc[0] is None
        try:
            if stack is not None:
                stack.__exit__(*exc)
        except psycopg.OperationalError as lost:
            if not server_gone(lost):  # another failure (a full disk on the server): as it is
                raise
            raise connection_lost(lost, committing) from lost
        if isinstance(exc[1], psycopg.OperationalError) and server_gone(exc[1]):
            raise connection_lost(exc[1], committing=False) from exc[1]

    def held(self) -> Held:
        """What the database holds. A database with no index yet holds nothing; any other
        failure to read it is the error itself (never taken for an empty database)."""
        if not has_index(self._conn):
            self._held, self._seen = None, EMPTY
            return EMPTY
        store = PgStore.open(self.url)
        store.close()  # its rows are in memory; this writer's transaction writes
        self._held = store
        self._seen = Held.of(store.manifest, store.sources, store.chunks)
        return self._seen

    def reuse(self, name: str) -> DocumentVectors:
        """Unchanged documents stay in their rows: nothing to lend."""
        raise IndexMismatch("The database keeps unchanged documents where they are.")

    def write(
        self, manifest: Manifest, new: Sequence[DocumentVectors], drop: Collection[str]
    ) -> Held:
        if self._held is None and self._seen is None:
            self.held()
        manifest = replace(manifest, vector_index=schema.vector_index())
        store, seen = self._held, self._seen
        assert seen is not None
        kept = keepers(seen, manifest, new, drop, self.where)
        # New tables when there are none, or for another model or dimension (then `keepers`
        # made sure that every held document comes anew); else rows change in place.
        remake = store is None or (
            mismatch(store.manifest, manifest.model, manifest.chunker, manifest.speaker_prefix)
            is not None
            or store.manifest.dimension != manifest.dimension
        )
        write_rows(self._conn, new, [] if remake else drop, manifest, fresh=remake)
        sources = {n: seen.sources[n] for n in kept}
        sources |= {p.source.name: p.source for p in new}
        chunks = [c for c in (store.chunks if store else []) if c.source in kept]
        chunks += [c for p in new for c in p.chunks]
        self._seen = Held.of(manifest, sources, chunks)
        return self._seen


def lock(conn: Any, wait: float) -> None:
    """The ingest lock, for this transaction: at once, or within `wait` seconds."""
    if wait <= 0:
        got = conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (schema.LOCK_KEY,)).fetchone()
        if not got[0]:
            raise IndexBusy("Another ingest is writing the database's index. Try again, or --wait.")
        return
    conn.execute(f"SET LOCAL lock_timeout = '{int(wait * 1000)}ms'")
    import psycopg

    try:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (schema.LOCK_KEY,))
    except psycopg.errors.LockNotAvailable as exc:
        raise IndexBusy(f"Another ingest held the database's index for {wait:g} s.") from exc


def connection_lost(exc: Exception, committing: bool) -> DatabaseConnectionLost:
    """One line: what was lost, what the database holds now, and to retry."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    reason = lines[0] if lines else type(exc).__name__  # psycopg adds lines of guesses
    kept = (
        "it may or may not have kept this ingest (the commit was under way)"
        if committing
        else "nothing of this ingest was kept (its transaction was rolled back)"
    )
    return DatabaseConnectionLost(
        f"The connection to the database was lost during the ingest ({reason}); {kept}, and "
        "the documents it held before are still there. Check that the server is running, then "
        "run `webinar-rag ingest` again."
    )


def _unwinding(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith("error ignored terminating")


def server_gone(error: Exception) -> bool:
    """The server went away: the connection failed on our side (no SQLSTATE), or the server
    said it is shutting down (class 57P: killed, crashed, restarting)."""
    state = getattr(error, "sqlstate", None)
    return state is None or str(state).startswith("57P")
