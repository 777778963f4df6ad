"""Uploads that race: two at once (one page's handler from two threads, and two handlers over one
index, as two servers would be), and one while a `webinar-rag ingest` from the command line
holds the index's lock. No document is lost: each upload ends up indexed, or the page says that
another ingest (its PID) is writing, and that nothing of the upload was kept.
(`../../x.vtt` and other names that try to leave the corpus folder: tests/test_ui_corpus.py.)"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ingest import ingest
from retrieval import Assistant
from tests.support.corpora import write_corpus
from tests.support.seed import ROOT
from webinar_rag.core import IndexBusy, Settings
from webinar_rag.models import Embedder
from webinar_rag.store import load_index, lock_path
from webinar_rag.store.folder.lock import IndexLock
from webinar_rag.ui import documents
from webinar_rag.ui.documents import DocumentsTab

pytestmark = pytest.mark.slow
STANDUP = "Priya: The harbour bridge needs new cables before winter.\n"
UPLOADS = {
    "volcanoes.vtt": (
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Carol>Volcanoes erupt when magma "
        "pressure builds.\n\n00:01:05.000 --> 00:01:09.000\n<v Dan>Geologists monitor seismic "
        "tremors near volcanoes.\n"
    ),
    "minutes.txt": (
        "Grace: The library roof leaks over the reading room.\n"
        "Henrik: A roofer quoted nine thousand euros to repair the library roof.\n"
    ),
}
_folders = itertools.count()


@pytest.fixture
def small(tmp_path: Path, embedder: Embedder, settings: Settings) -> Assistant:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "standup.txt").write_text(STANDUP, encoding="utf-8")
    local = settings.at_index(tmp_path / "index").at_corpus(corpus)
    ingest([corpus], local, embedder=embedder)
    return Assistant.load(local)


def uploaded(tmp_path: Path, name: str) -> str:
    """A file as Gradio hands an upload over: its own folder in a cache, its name kept."""
    folder = tmp_path / "gradio-cache" / str(next(_folders))
    folder.mkdir(parents=True)
    (folder / name).write_text(UPLOADS[name], encoding="utf-8")
    return str(folder / name)


def upload(tab: DocumentsTab, file: str) -> str:
    """The handler as Gradio calls it; its last status."""
    *_, (status, _) = tab.upload([file])
    return str(status)


def indexed(assistant: Assistant) -> list[str]:
    return sorted(load_index(assistant.settings.index.index_dir).sources)


@pytest.mark.parametrize("handlers", ["one page", "two servers"])
def test_two_uploads_at_once_are_both_indexed(
    small: Assistant, tmp_path: Path, handlers: str
) -> None:
    first = DocumentsTab(small, allow_changes=True)
    tabs = [first, first if handlers == "one page" else DocumentsTab(small, allow_changes=True)]
    files = [uploaded(tmp_path, name) for name in UPLOADS]
    start = threading.Barrier(2)
    statuses: dict[str, str] = {}

    def run(tab: DocumentsTab, file: str) -> None:
        start.wait()
        statuses[Path(file).name] = upload(tab, file)

    threads = [threading.Thread(target=run, args=pair) for pair in zip(tabs, files, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert sorted(statuses) == sorted(UPLOADS)
    for name, status in statuses.items():  # the other's ingest may have taken it in first
        assert "wr-failed" not in status, status
        assert f"<b>{name}</b> new:" in status or f"<b>{name}</b> is in the index" in status
    assert indexed(small) == sorted(["standup.txt", *UPLOADS])
    assert any("The index now holds 3 document(s)" in s for s in statuses.values()), statuses


def cli_ingest(corpus: Path, index_dir: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEBINAR_RAG_")}
    return subprocess.Popen(
        [sys.executable, "-m", "webinar_rag.cli", "ingest", str(corpus), "--index", str(index_dir)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def holding(child: subprocess.Popen[str], index_dir: Path) -> None:
    """Wait until the child ingest holds the index's lock (its PID is in the lock file)."""
    lock = lock_path(index_dir)
    while not lock.is_file() or lock.read_text().strip() != str(child.pid):
        assert child.poll() is None, child.communicate()[1]
        time.sleep(0.02)
    with pytest.raises(IndexBusy):  # held by the kernel's lock, not only named in the file
        IndexLock(index_dir).__enter__()


def test_an_upload_during_a_command_line_ingest_waits_for_it(
    small: Assistant, tmp_path: Path
) -> None:
    index_dir = Path(small.settings.index.index_dir)
    other = write_corpus(tmp_path / "elsewhere", files=3, turns=12)
    child = cli_ingest(other, index_dir)
    try:
        holding(child, index_dir)
        status = upload(DocumentsTab(small, allow_changes=True), uploaded(tmp_path, "minutes.txt"))
    finally:
        _, err = child.communicate(timeout=600)
    assert child.returncode == 0, err
    assert "<b>minutes.txt</b> new:" in status and "wr-failed" not in status, status
    everything = ["standup.txt", "minutes.txt", *(p.name for p in other.iterdir())]
    assert indexed(small) == sorted(everything)  # the CLI's documents and the upload


def test_an_upload_that_waits_too_long_says_who_writes_and_keeps_nothing_half(
    small: Assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(documents, "WAIT", 0.5)
    index_dir = Path(small.settings.index.index_dir)
    corpus = Path(small.settings.ingest.corpus)
    other = write_corpus(tmp_path / "elsewhere", files=3, turns=12)
    tab = DocumentsTab(small, allow_changes=True)
    child = cli_ingest(other, index_dir)
    try:
        holding(child, index_dir)
        status = upload(tab, uploaded(tmp_path, "minutes.txt"))
    finally:
        _, err = child.communicate(timeout=600)
    assert child.returncode == 0, err
    assert f"Another ingest (PID {child.pid}) is writing the index" in status, status
    assert "Nothing was added" in status and "upload the files again" in status
    assert "--wait" not in status  # the command line's advice, not the page's
    assert sorted(p.name for p in corpus.iterdir()) == ["standup.txt"]  # taken out again
    assert indexed(small) == sorted(["standup.txt", *(p.name for p in other.iterdir())])

    again = upload(tab, uploaded(tmp_path, "minutes.txt"))  # as the message says
    assert "<b>minutes.txt</b> new:" in again, again
    assert "minutes.txt" in indexed(small)
