"""PostgreSQL killed with SIGKILL in the middle of an ingest, and restarted: the transaction is
gone, the documents held before are all there as they were, the CLI says in one line that the
connection was lost and to run the ingest again, and the next ingest succeeds. A server of its
own (tests.support.pg_kill), so the session's server is never killed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest import ingest
from retrieval import Assistant
from tests.support.corpora import write_corpus
from tests.support.pg_kill import KillableServer, contents, kill_mid_ingest, names
from webinar_rag.core import IndexSettings, Settings
from webinar_rag.models import Embedder
from webinar_rag.store import open_store
from webinar_rag.store.postgres.writer import connection_lost, server_gone


@pytest.fixture
def killable(tmp_path: Path) -> Iterator[KillableServer]:
    server = KillableServer(tmp_path / "pgdata")
    try:
        yield server
    finally:
        server.close()


def at(url: str, corpus: Path) -> Settings:
    base = Settings(index=IndexSettings(store_url=url))
    return base.changed(backend="extractive").at_corpus(corpus)


@pytest.mark.slow
@pytest.mark.postgres
def test_a_server_killed_mid_ingest_keeps_what_it_held_and_the_next_ingest_succeeds(
    killable: KillableServer, tmp_path: Path, embedder: Embedder
) -> None:
    a = write_corpus(tmp_path / "A", files=2, turns=6)
    b = write_corpus(tmp_path / "B", files=3, turns=16, version=1)  # changes A's first, adds
    url = killable.database()
    ingest([a], at(url, a), embedder=embedder)
    held = contents(url)
    first = open_store(at(url, a).index, expected_model=embedder.name)
    chunks = [c.id for c in first.chunks]

    killed = kill_mid_ingest(killable, url, b)
    assert killed.mid_write, "the ingest ended before it wrote: nothing was killed mid-write"
    assert killed.code == 2, killed.message
    assert killed.message.count("\n") == 1, killed.message
    line = killed.message.strip()
    assert line.startswith("webinar-rag: error: The connection to the database was lost"), line
    assert "nothing of this ingest was kept" in line and "run `webinar-rag ingest` again" in line
    assert "Traceback" not in killed.message

    assert killed.intact and contents(url) == held  # every row of A as it was, none of B
    store = open_store(at(url, a).index, expected_model=embedder.name)
    assert sorted(store.sources) == sorted(p.name for p in a.iterdir())
    assert [c.id for c in store.chunks] == chunks
    line_a = (a / "meeting-01.txt").read_text(encoding="utf-8").splitlines()[0]
    answer = Assistant.load(at(url, a)).ask(line_a.split(": ", 1)[1].split(", item")[0] + "?")
    assert not answer.refused and answer.citations, answer.to_dict()

    again = ingest([b], at(url, b), embedder=embedder)  # the next ingest, on the restarted server
    assert not again.failed
    assert names(url) == sorted({*(p.name for p in a.iterdir()), *(p.name for p in b.iterdir())})
    assert contents(url) != held


def test_only_a_server_gone_is_told_as_a_lost_connection() -> None:
    """psycopg's own failures (no SQLSTATE) and the server's shutdown class (57P) are a lost
    connection; an error the server reported otherwise (a full disk there) is not."""
    import psycopg

    said = "consuming input failed: server closed the connection unexpectedly\n\tThis probably"
    assert server_gone(psycopg.OperationalError(said))
    assert server_gone(psycopg.errors.AdminShutdown("terminating connection"))
    assert not server_gone(psycopg.errors.DiskFull("could not extend file"))
    message = str(connection_lost(psycopg.OperationalError(said), committing=False))
    assert "\n" not in message
    assert "(consuming input failed: server closed the connection unexpectedly);" in message
    assert "nothing of this ingest was kept" in message
    assert "may or may not have kept" in str(connection_lost(psycopg.OperationalError(said), True))
