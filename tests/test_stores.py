"""The two stores: the index folder (FaissStore) and PostgreSQL + pgvector (PgStore), on a real
server started by the `pg_server` fixture. The same retrieval and answer tests run on both;
then what only the database has: incremental, transactional ingest shared by many readers."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import settings_at
from test_corpus import LOG, VTT, corpus

from ingest import ingest, remove_documents
from retrieval import Assistant
from tests.support.seed import CORPUS_FILE, QUESTIONS_FILE, SOURCE
from webinar_rag.core import CorpusNotFound, IndexBusy, IndexSettings
from webinar_rag.models import Embedder
from webinar_rag.store import FaissStore, Filter, Store, copy_index, load_index
from webinar_rag.store.postgres.rows import write_rows
from webinar_rag.store.postgres.store import PgStore, connect
from webinar_rag.store.postgres.writer import lock

pytestmark = [pytest.mark.slow]
STORES = ["faiss", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, index_dir: Path) -> Store:
    """The session's index as either store (the database gets a copy of the folder's rows)."""
    index = load_index(index_dir)
    if request.param == "faiss":
        return FaissStore(index)
    url = request.getfixturevalue("pg_url")
    copy_index(index_dir, IndexSettings(store_url=url))
    return PgStore.open(url, expected_model=index.manifest.model)


@pytest.fixture
def on_store(store: Store, assistant: Assistant) -> Assistant:
    return Assistant(store, assistant.embedder, assistant.settings)


def test_a_cited_answer_quotes_the_transcript_verbatim(on_store: Assistant) -> None:
    answer = on_store.ask("Does Japan's AI bill include penalties?")
    assert not answer.refused and answer.citations
    for c in answer.citations:
        assert c.quote in on_store.source_text(c.source)
    assert on_store.ask("What is the capital of Australia?").refused


def test_speaker_and_document_filters_are_exact(on_store: Assistant) -> None:
    hits = on_store.search("AI regulation", speaker="Makiko Tsuda", k=10)
    assert hits and {h.chunk.speaker for h in hits} == {"Makiko Tsuda"}
    assert on_store.search("AI regulation", document=SOURCE, k=3)
    everyone = on_store.searcher.search("AI regulation", k=50)
    assert len(everyone) == len(on_store.store.chunks)  # a small index is ranked whole


def test_bm25_and_dense_rankings_agree_with_the_folder(store: Store, index_dir: Path) -> None:
    """The database's SQL BM25 and pgvector scores against bm25s and FAISS on the same rows."""
    folder = FaissStore(load_index(index_dir))
    vector = np.asarray(folder.index.chunk_vectors.reconstruct(3))
    for question in ("penalties in Japan's AI bill", "sandbox", "who moderated the webinar"):
        mine, theirs = store.lexical(question, 10), folder.lexical(question, 10)
        assert [r for r, _ in mine] == [r for r, _ in theirs]
        assert np.allclose([s for _, s in mine], [s for _, s in theirs], rtol=1e-4)
    mine, theirs = store.dense(vector, 10), folder.dense(vector, 10)
    assert [r for r, _ in mine] == [r for r, _ in theirs]
    assert np.allclose([s for _, s in mine], [s for _, s in theirs], atol=1e-5)
    speaker = Filter(speakers=frozenset({"Makiko Tsuda"}))
    rows = [r for r, _ in store.dense(vector, 100, speaker)]
    assert rows and all(store.chunks[r].speaker == "Makiko Tsuda" for r in rows)
    assert len(rows) == store.count(speaker)


@pytest.mark.postgres
def test_every_dev_question_gets_the_same_answer_from_both_stores(
    assistant: Assistant, index_dir: Path, pg_url: str
) -> None:
    copy_index(index_dir, IndexSettings(store_url=pg_url))
    database = Assistant(PgStore.open(pg_url), assistant.embedder, assistant.settings)
    for line in QUESTIONS_FILE.read_text("utf-8").splitlines():
        question = json.loads(line)["question"]
        mine, theirs = database.ask(question), assistant.ask(question)
        assert (mine.text, mine.refused) == (theirs.text, theirs.refused), question
        assert [c.chunk_id for c in mine.citations] == [c.chunk_id for c in theirs.citations]


@pytest.mark.postgres
def test_past_its_exact_bound_the_database_ranks_as_the_exact_scan(
    index_dir: Path, pg_url: str
) -> None:
    """Past `exact_rows` chunks an unfiltered search leaves index scans on (HNSW); what it finds
    is what the exact scan finds. A filter admitting few rows is still scanned exactly."""
    copy_index(index_dir, IndexSettings(store_url=pg_url))
    folder = FaissStore(load_index(index_dir))
    database = PgStore.open(pg_url)
    assert database.exact_rows >= 1000 and len(database.chunks) < database.exact_rows
    speaker = Filter(speakers=frozenset({"Makiko Tsuda"}))
    vectors = [np.asarray(folder.index.chunk_vectors.reconstruct(r)) for r in (0, 3, 11)]
    exact = [(database.dense(v, 10), database.dense(v, 50, speaker)) for v in vectors]
    database.exact_rows = 0  # every search may walk HNSW (the planner's choice on so small a table)
    for v, (everything, filtered) in zip(vectors, exact, strict=True):
        assert [r for r, _ in database.dense(v, 10)] == [r for r, _ in everything]
        assert [r for r, _ in database.dense(v, 50, speaker)] == [r for r, _ in filtered]
        assert len(filtered) == database.count(speaker)


@pytest.mark.postgres
def test_database_ingest_is_incremental_and_shared_by_readers(
    tmp_path: Path, embedder: Embedder, pg_url: str
) -> None:
    folder = corpus(tmp_path, review_vtt=VTT)
    unused = tmp_path / "unused"
    settings = settings_at(unused, folder)
    settings = replace(settings, index=IndexSettings(index_dir=unused, store_url=pg_url))
    first = ingest(None, settings, embedder=embedder)
    assert [f.status for f in first.files] == ["new"] and not unused.exists()
    reader = Assistant.load(settings)
    assert isinstance(reader.store, PgStore) and set(reader.store.sources) == {"review.vtt"}
    ids = _chunk_ids(pg_url, "review.vtt")
    # a fresh table gets its indexes and the postings' key after its rows (schema.indexes)
    assert _indexes_and_keys(pg_url) == {
        "indexes": [
            "wr_chunks_hnsw",
            "wr_chunks_speaker",
            "wr_chunks_start",
            "wr_postings_chunk",
            "wr_postings_term",
        ],
        "postings_key": ("wr_chunks", "c"),
    }
    assert _postings_of(pg_url, ids) > 0
    (folder / "wind.txt").write_text(LOG, encoding="utf-8")
    second = ingest(None, settings, embedder=embedder)
    assert {f.name: f.status for f in second.files} == {
        "review.vtt": "unchanged",
        "wind.txt": "new",
    }
    assert _chunk_ids(pg_url, "review.vtt") == ids  # the unchanged document was not rewritten
    assert reader.refreshed() is not reader  # a reader (another `serve`) sees the new corpus
    fresh = reader.refreshed()
    assert set(fresh.store.sources) == {"review.vtt", "wind.txt"}
    assert fresh.refreshed() is fresh
    answer = fresh.ask("When does the council get the noise report?", document="wind.txt")
    assert not answer.refused and answer.citations[0].source == "wind.txt"
    hits = fresh.searcher.search("tender documents", 3, during=(100.0, 200.0))
    assert [h.chunk.speaker for h in hits] == ["Tom Okafor"]  # only the cue at 2:05
    removed = remove_documents(["review.vtt"], settings)  # no model, one transaction
    assert [(f.name, f.status) for f in removed.files] == [("review.vtt", "removed")]
    assert (folder / ".removed" / "review.vtt").is_file()
    assert set(PgStore.open(pg_url).sources) == {"wind.txt"}
    assert _postings_of(pg_url, ids) == 0  # the key's ON DELETE CASCADE took them
    with pytest.raises(CorpusNotFound, match=r"Removing every document would leave .* empty"):
        remove_documents(["wind.txt"], settings)
    assert ingest(None, settings, embedder=embedder).up_to_date


@pytest.mark.postgres
def test_a_failed_database_ingest_leaves_the_previous_corpus(index_dir: Path, pg_url: str) -> None:
    index = load_index(index_dir)
    copy_index(index_dir, IndexSettings(store_url=pg_url))
    reader = PgStore.open(pg_url)
    before = (reader.generation, len(reader.chunks))

    def parts_then_crash() -> object:
        yield index.part(SOURCE)  # written: its rows are deleted and re-added
        raise RuntimeError("the ingest died half way")

    conn = connect(pg_url)
    with pytest.raises(RuntimeError, match="half way"), conn.transaction():
        write_rows(conn, parts_then_crash(), [SOURCE], index.manifest)  # type: ignore[arg-type]
    conn.close()
    after = PgStore.open(pg_url)
    assert (after.generation, len(after.chunks)) == before
    assert reader.reloaded() is reader
    # one ingest at a time: a second one stops at once while the first holds the lock
    holder, other = connect(pg_url), connect(pg_url)
    with holder.transaction():
        lock(holder, 0)
        with pytest.raises(IndexBusy), other.transaction():
            lock(other, 0)
    holder.close()
    other.close()
    assert CORPUS_FILE.name in after.sources


def _chunk_ids(url: str, source: str) -> list[int]:
    with connect(url) as conn:
        rows = conn.execute(
            "SELECT id FROM wr_chunks WHERE source = %s ORDER BY ordinal", (source,)
        ).fetchall()
    return [r[0] for r in rows]


def _indexes_and_keys(url: str) -> dict[str, object]:
    with connect(url) as conn:
        names = conn.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename LIKE 'wr_%' "
            "AND indexname NOT LIKE '%pkey' AND indexname NOT LIKE '%key' ORDER BY indexname"
        ).fetchall()
        key = conn.execute(
            "SELECT confrelid::regclass::text, confdeltype FROM pg_constraint "
            "WHERE conname = 'wr_postings_chunk_fkey'"
        ).fetchone()
    return {"indexes": [n[0] for n in names], "postings_key": tuple(key) if key else None}


def _postings_of(url: str, chunk_ids: list[int]) -> int:
    with connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM wr_postings WHERE chunk = ANY(%s)", (chunk_ids,)
        ).fetchone()
    return int(row[0]) if row else 0
