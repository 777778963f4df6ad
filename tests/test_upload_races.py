"""Uploads that race (tests.support.upload_races): two at once (one page's handler from two
threads, and two handlers over one index, as two servers would be), and one while a
`webinar-rag ingest` from the command line holds the index's lock. No document is lost: each
upload ends up indexed, or the page says that another ingest (its PID) is writing, and that
nothing of the upload was kept. (`../../x.vtt` and other names that try to leave the corpus
folder: tests/test_ui_corpus.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import ingest
from retrieval import Assistant
from tests.support.corpora import write_corpus
from tests.support.upload_races import (
    STANDUP,
    UPLOADS,
    at_once,
    during_cli_ingest,
    indexed,
    upload,
    uploaded,
)
from webinar_rag.core import Settings
from webinar_rag.models import Embedder
from webinar_rag.ui import documents
from webinar_rag.ui.documents import DocumentsTab

pytestmark = pytest.mark.slow


@pytest.fixture
def small(tmp_path: Path, embedder: Embedder, settings: Settings) -> Assistant:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "standup.txt").write_text(STANDUP, encoding="utf-8")
    local = settings.at_index(tmp_path / "index").at_corpus(corpus)
    ingest([corpus], local, embedder=embedder)
    return Assistant.load(local)


@pytest.mark.parametrize("handlers", ["one page", "two servers"])
def test_two_uploads_at_once_are_both_indexed(
    small: Assistant, tmp_path: Path, handlers: str
) -> None:
    statuses = at_once(small, tmp_path, two_handlers=handlers == "two servers")
    assert sorted(statuses) == sorted(UPLOADS)
    for name, status in statuses.items():  # the other's ingest may have taken it in first
        assert "wr-failed" not in status, status
        assert f"<b>{name}</b> new:" in status or f"<b>{name}</b> is in the index" in status
    assert indexed(small) == sorted(["standup.txt", *UPLOADS])
    assert any("The index now holds 3 document(s)" in s for s in statuses.values()), statuses


def test_an_upload_during_a_command_line_ingest_waits_for_it(
    small: Assistant, tmp_path: Path
) -> None:
    other = write_corpus(tmp_path / "elsewhere", files=3, turns=12)
    status, code, err, _ = during_cli_ingest(small, other, tmp_path)
    assert code == 0, err
    assert "<b>minutes.txt</b> new:" in status and "wr-failed" not in status, status
    everything = ["standup.txt", "minutes.txt", *(p.name for p in other.iterdir())]
    assert indexed(small) == sorted(everything)  # the CLI's documents and the upload


def test_an_upload_that_waits_too_long_says_who_writes_and_keeps_nothing_half(
    small: Assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(documents, "WAIT", 0.5)
    corpus = Path(small.settings.ingest.corpus)
    other = write_corpus(tmp_path / "elsewhere", files=3, turns=12)
    status, code, err, pid = during_cli_ingest(small, other, tmp_path)
    assert code == 0, err
    assert f"Another ingest (PID {pid}) is writing the index" in status, status
    assert "Nothing was added" in status and "upload the files again" in status
    assert "--wait" not in status  # the command line's advice, not the page's
    assert sorted(p.name for p in corpus.iterdir()) == ["standup.txt"]  # taken out again
    assert indexed(small) == sorted(["standup.txt", *(p.name for p in other.iterdir())])

    again = upload(DocumentsTab(small, allow_changes=True), uploaded(tmp_path, "minutes.txt"))
    assert "<b>minutes.txt</b> new:" in again, again  # as the message says
    assert "minutes.txt" in indexed(small)
