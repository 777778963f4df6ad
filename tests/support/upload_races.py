"""Uploads that race, as the page's handler sees them (tests/test_upload_races.py; `python -m
bench.faults` measures them): two at once from threads, and one while a `webinar-rag ingest`
from the command line holds the index's lock."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from retrieval import Assistant
from webinar_rag.core import IndexBusy
from webinar_rag.store import load_index, lock_path
from webinar_rag.store.folder.lock import IndexLock
from webinar_rag.ui.documents import DocumentsTab

from .seed import ROOT

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


def uploaded(work: Path, name: str) -> str:
    """A file as Gradio hands an upload over: its own folder in a cache, its name kept."""
    folder = work / "gradio-cache" / str(next(_folders))
    folder.mkdir(parents=True)
    (folder / name).write_text(UPLOADS[name], encoding="utf-8")
    return str(folder / name)


def upload(tab: DocumentsTab, file: str) -> str:
    """The handler as Gradio calls it; its last status."""
    *_, (status, _) = tab.upload([file])
    return str(status)


def indexed(assistant: Assistant) -> list[str]:
    return sorted(load_index(assistant.settings.index.index_dir).sources)


def at_once(assistant: Assistant, work: Path, two_handlers: bool) -> dict[str, str]:
    """Both uploads from two threads released together; each one's last status, by name."""
    first = DocumentsTab(assistant, allow_changes=True)
    tabs = [first, DocumentsTab(assistant, allow_changes=True) if two_handlers else first]
    files = [uploaded(work, name) for name in UPLOADS]
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
    return statuses


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


def holding(child: subprocess.Popen[str], index_dir: Path) -> bool:
    """Wait until the child ingest holds the index's lock (its PID in the lock file); True
    when the kernel's lock is held too (not only named in the file)."""
    lock = lock_path(index_dir)
    while not lock.is_file() or lock.read_text().strip() != str(child.pid):
        if child.poll() is not None:
            raise RuntimeError(f"the ingest ended first: {child.communicate()[1][-300:]}")
        time.sleep(0.02)
    try:
        with IndexLock(index_dir):
            return False
    except IndexBusy:
        return True


def during_cli_ingest(assistant: Assistant, other: Path, work: Path) -> tuple[str, int, str, int]:
    """An upload while a command-line ingest of `other` holds the lock: (the upload's last
    status, the ingest's exit code, its standard error, its PID)."""
    index_dir = Path(assistant.settings.index.index_dir)
    child = cli_ingest(other, index_dir)
    try:
        if not holding(child, index_dir):
            raise RuntimeError("the lock file named the ingest, but its lock was not held")
        status = upload(DocumentsTab(assistant, allow_changes=True), uploaded(work, "minutes.txt"))
    finally:
        _, err = child.communicate(timeout=600)
    return status, child.returncode, err, child.pid
