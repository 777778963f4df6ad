"""No store ever drops a document it was not asked to drop: the one ingest flow over either
writer, when the model changes, when the index is damaged, when a file moves away. Real
models, a real index folder and a real PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import ingest
from tests.support.seed import settings_at
from webinar_rag.core import (
    IndexCorrupt,
    IndexMismatch,
    IndexSettings,
    ModelSettings,
    Settings,
)
from webinar_rag.models import Embedder, load_embedder, model_name
from webinar_rag.store import load_index, open_store, open_writer
from webinar_rag.store.folder.files import checksums

pytestmark = pytest.mark.slow

MEETINGS = {
    "budget.txt": "Ada Okafor: The budget for the pilot is forty thousand euros.\n"
    "Lars Berg: I will send the revised budget on Friday.\n",
    "hiring.txt": "Mia Chen: We hire two engineers in March.\n"
    "Ada Okafor: The job ads go out next week.\n",
    "venue.txt": "Lars Berg: The workshop moves to the Lisbon office.\n"
    "Mia Chen: Rooms are booked for the second week of May.\n",
}
LATE = "Ada Okafor: The pilot starts in June, after the workshop.\nLars Berg: Agreed.\n"


def write_meetings(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name, text in MEETINGS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def minilm() -> Embedder:
    return load_embedder(ModelSettings(embed_model="minilm"))


def three_then_one_with_another_model(
    settings: Settings, tmp_path: Path, embedder: Embedder, minilm: Embedder
) -> None:
    """Ingest three meetings; change the model; ingest one more file, given alone."""
    corpus = write_meetings(tmp_path / "corpus")
    first = ingest([corpus], settings, embedder=embedder)
    assert sorted(first.sources) == sorted(MEETINGS)
    late = tmp_path / "elsewhere" / "pilot.txt"
    late.parent.mkdir()
    late.write_text(LATE, encoding="utf-8")
    changed = settings.changed(embed_model="minilm")
    second = ingest([late], changed, embedder=minilm)
    statuses = {f.name: f.status for f in second.files}
    assert statuses == {**dict.fromkeys(MEETINGS, "rebuilt"), "pilot.txt": "new"}
    assert any("embedded again" in note for note in second.notes), second.notes
    store = open_store(changed.index, expected_model=minilm.name)
    assert sorted(store.sources) == sorted([*MEETINGS, "pilot.txt"])
    assert store.manifest.model == minilm.name == model_name("minilm")
    assert {c.source for c in store.chunks} == set(store.sources)


def test_the_folder_keeps_every_document_when_the_model_changes(
    tmp_path: Path, embedder: Embedder, minilm: Embedder
) -> None:
    settings = settings_at(tmp_path / "index", tmp_path / "corpus")
    three_then_one_with_another_model(settings, tmp_path, embedder, minilm)


@pytest.mark.postgres
def test_the_database_keeps_every_document_when_the_model_changes(
    pg_url: str, tmp_path: Path, embedder: Embedder, minilm: Embedder
) -> None:
    settings = Settings(
        index=IndexSettings(store_url=pg_url), ingest=settings_at(tmp_path).ingest
    ).changed(backend="extractive")
    three_then_one_with_another_model(settings, tmp_path, embedder, minilm)


@pytest.mark.postgres
def test_an_unreadable_database_index_stops_the_ingest_and_keeps_its_rows(
    pg_url: str, tmp_path: Path, embedder: Embedder
) -> None:
    """A manifest this version cannot read is an error that names it, never "no tables yet"
    (which would have made the ingest start a new index from the one file given)."""
    import psycopg

    settings = Settings(index=IndexSettings(store_url=pg_url))
    corpus = write_meetings(tmp_path / "corpus")
    ingest([corpus], settings, embedder=embedder)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE wr_meta SET manifest = manifest || '{\"from_the_future\": 1}'")
    late = tmp_path / "pilot.txt"
    late.write_text(LATE, encoding="utf-8")
    with pytest.raises(IndexCorrupt, match="manifest this version cannot read"):
        ingest([late], settings, embedder=embedder)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM wr_documents ORDER BY name")]
    assert names == sorted(MEETINGS)


def test_a_file_gone_from_elsewhere_keeps_its_document(tmp_path: Path, embedder: Embedder) -> None:
    """Only a file gone from a folder this ingest reads drops its document (the folder is
    being synchronised); one moved away from elsewhere stays, with a note."""
    corpus = write_meetings(tmp_path / "corpus")
    away = tmp_path / "away.txt"
    away.write_text(LATE, encoding="utf-8")
    settings = settings_at(tmp_path / "index", corpus)
    ingest([corpus, away], settings, embedder=embedder)
    away.unlink()
    (corpus / "venue.txt").unlink()
    summary = ingest([corpus], settings, embedder=embedder)
    by_name = {f.name: f for f in summary.files}
    assert by_name["venue.txt"].status == "removed"
    assert by_name["away.txt"].status == "unchanged"
    assert "is gone; kept as indexed" in by_name["away.txt"].notes[0]
    assert sorted(load_index(settings.index.index_dir).sources) == [
        "away.txt",
        "budget.txt",
        "hiring.txt",
    ]


def test_a_damaged_index_is_rebuilt_from_the_text_it_holds(
    tmp_path: Path, embedder: Embedder
) -> None:
    """Vectors damaged, texts whole: every document comes back, even one whose file is gone."""
    corpus = write_meetings(tmp_path / "corpus")
    away = tmp_path / "away.txt"
    away.write_text(LATE, encoding="utf-8")
    settings = settings_at(tmp_path / "index", corpus)
    ingest([corpus, away], settings, embedder=embedder)
    away.unlink()
    (settings.index.index_dir / "index.faiss").write_bytes(b"not a faiss index")
    summary = ingest([corpus], settings, embedder=embedder)
    assert {f.name: f.status for f in summary.files} == {
        **dict.fromkeys(MEETINGS, "rebuilt"),
        "away.txt": "rebuilt",
    }
    assert any("damaged" in note for note in summary.notes)
    index = load_index(settings.index.index_dir)
    assert sorted(index.sources) == sorted([*MEETINGS, "away.txt"])
    assert "June" in index.sources["away.txt"].text


def test_lost_texts_stop_the_ingest_unless_a_rebuild_is_asked(
    tmp_path: Path, embedder: Embedder
) -> None:
    corpus = write_meetings(tmp_path / "corpus")
    away = tmp_path / "away.txt"
    away.write_text(LATE, encoding="utf-8")
    settings = settings_at(tmp_path / "index", corpus)
    ingest([corpus, away], settings, embedder=embedder)
    index_dir = settings.index.index_dir
    (index_dir / "sources.jsonl").write_text("{}\n", encoding="utf-8")
    before = checksums(index_dir)
    with pytest.raises(IndexCorrupt, match=r"away\.txt.*--rebuild"):
        ingest([corpus], settings, embedder=embedder)
    assert checksums(index_dir) == before  # left as it was
    rebuilt = ingest([corpus], settings, embedder=embedder, rebuild=True)
    assert sorted(rebuilt.sources) == sorted(MEETINGS)
    assert any("away.txt" in note for note in rebuilt.notes)


def test_a_writer_refuses_to_lose_documents_it_cannot_keep(
    tmp_path: Path, embedder: Embedder, minilm: Embedder
) -> None:
    """The writer's own guard, below the flow: a write under another model that does not
    hand over every held document is refused, and the index is left as it was."""
    from ingest import embed_documents, manifest_for
    from ingest.plan import make_plan, read_files
    from webinar_rag.store import EMPTY

    corpus = write_meetings(tmp_path / "corpus")
    settings = settings_at(tmp_path / "index", corpus)
    ingest([corpus], settings, embedder=embedder)
    before = checksums(settings.index.index_dir)
    late = tmp_path / "pilot.txt"
    late.write_text(LATE, encoding="utf-8")
    plan = make_plan([late], (), EMPTY, reusable=True, format=None, max_mb=1)
    parts = embed_documents(minilm, read_files(plan), settings.ingest)
    with open_writer(settings.index) as writer, pytest.raises(IndexMismatch, match="would lose"):
        writer.held()
        writer.write(manifest_for(minilm, settings.ingest), list(parts.values()), drop=())
    assert checksums(settings.index.index_dir) == before
