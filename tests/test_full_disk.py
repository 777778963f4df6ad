"""The disk fills during an index write, for real: `webinar-rag ingest` in a child process
whose files may not grow past a limit (RLIMIT_FSIZE: the write gets EFBIG), and on a small
tmpfs filled to the last few kilobytes (ENOSPC; mounting needs root, else it skips). Either way
the old index loads (checksums verified) and answers, the CLI says in one line what happened and
what to do, nothing half-written stays beside the index, and once there is room the next ingest
succeeds. The messages themselves are checked without a model, for each cause."""

from __future__ import annotations

import errno
import os
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ingest import ingest
from retrieval import Assistant
from tests.support.corpora import write_corpus
from tests.support.seed import ROOT, settings_at, snapshot
from webinar_rag.models import Embedder
from webinar_rag.store import load_index
from webinar_rag.store.folder.files import faiss_failure, write_error

ONE_LINE = "webinar-rag: error: Could not write the index at "


def limited(max_bytes: int) -> Callable[[], None]:
    """preexec_fn: no file of the child grows past `max_bytes`; SIGXFSZ is ignored, so the
    write that would pass it fails with EFBIG instead of killing the process."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))

    return apply


def cli_ingest(
    corpus: Path, index_dir: Path, preexec: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEBINAR_RAG_")}
    return subprocess.run(
        [sys.executable, "-m", "webinar_rag.cli", "ingest", str(corpus), "--index", str(index_dir)],
        cwd=ROOT,
        env=env,
        preexec_fn=preexec,
        capture_output=True,
        text=True,
        timeout=600,
    )


def beside(index_dir: Path) -> list[str]:
    """What lies beside the index folder but itself and its lock file."""
    keep = {index_dir.name, f".{index_dir.name}.lock"}
    return sorted(p.name for p in index_dir.parent.iterdir() if p.name not in keep)


def old_index_answers(index_dir: Path, corpus: Path) -> None:
    """It loads (every file's checksum verified) and answers a question from its text."""
    index = load_index(index_dir)
    assert sorted(index.sources) == sorted(p.name for p in corpus.iterdir())
    line = (corpus / "meeting-00.txt").read_text(encoding="utf-8").splitlines()[0]
    question = line.split(": ", 1)[1].split(", item")[0] + "?"
    answer = Assistant.load(settings_at(index_dir, corpus)).ask(question)
    assert not answer.refused and answer.citations, answer.to_dict()
    assert {c.source for c in answer.citations} <= set(index.sources)


@pytest.fixture
def scene(tmp_path: Path) -> tuple[Path, Path]:
    """A small corpus indexed (A), and a larger one (B) whose index is some hundred KB."""
    small = write_corpus(tmp_path / "A", files=2, turns=6)
    write_corpus(tmp_path / "B", files=3, turns=16)
    return small, tmp_path / "B"


@pytest.mark.slow
def test_a_file_size_limit_during_the_write_keeps_the_old_index(
    tmp_path: Path, embedder: Embedder, scene: tuple[Path, Path]
) -> None:
    small, large = scene
    index_dir = tmp_path / "indexes" / "index"
    ingest([small], settings_at(index_dir, small), embedder=embedder)
    before = snapshot(index_dir)
    largest = max(len(b) for b in before.values())

    done = cli_ingest(large, index_dir, limited(largest + 4096))
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(ONE_LINE) and done.stderr.count("\n") == 1, done.stderr
    assert "file size limit (File too large)" in done.stderr
    assert "previous index is unchanged" in done.stderr and "ulimit -f" in done.stderr
    assert "Traceback" not in done.stderr
    assert snapshot(index_dir) == before
    assert beside(index_dir) == []  # the half-written folder was deleted on the way out
    old_index_answers(index_dir, small)

    again = cli_ingest(large, index_dir)  # the limit lifted
    assert again.returncode == 0, again.stderr
    assert sorted(load_index(index_dir).sources) == sorted(p.name for p in large.iterdir())
    assert beside(index_dir) == []


@contextmanager
def small_disk(where: Path, size: int) -> Iterator[Path]:
    """A tmpfs of `size` bytes mounted at `where` (root only), unmounted on the way out."""
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({mounted.stderr.strip()}): needs root")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("mount") is None, reason="needs mount(8)")
def test_a_disk_that_fills_during_the_write_keeps_the_old_index(
    tmp_path: Path, embedder: Embedder, scene: tuple[Path, Path]
) -> None:
    small, large = scene
    built = tmp_path / "built" / "index"
    ingest([small], settings_at(built, small), embedder=embedder)
    with small_disk(tmp_path / "disk", 8 << 20) as disk:
        index_dir = disk / "indexes" / "index"
        shutil.copytree(built, index_dir)
        before = snapshot(index_dir)
        free = shutil.disk_usage(disk).free
        filler = disk / "filler"
        filler.write_bytes(b"\0" * (free - (64 << 10)))  # 64 KB left: less than B's index

        done = cli_ingest(large, index_dir)
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith(ONE_LINE) and done.stderr.count("\n") == 1, done.stderr
        assert "the disk is full (No space left on device)" in done.stderr
        assert "Free some disk space" in done.stderr and "Traceback" not in done.stderr
        assert snapshot(index_dir) == before
        assert beside(index_dir) == []
        old_index_answers(index_dir, small)

        filler.unlink()  # the user frees space
        again = cli_ingest(large, index_dir)
        assert again.returncode == 0, again.stderr
        assert sorted(load_index(index_dir).sources) == sorted(p.name for p in large.iterdir())
        assert beside(index_dir) == []


@pytest.mark.parametrize(
    ("code", "says"),
    [
        (errno.ENOSPC, "the disk is full (No space left on device)"),
        (errno.EDQUOT, "the disk quota is used up"),
        (errno.EFBIG, "a file reached this process's file size limit (File too large)"),
        (errno.EROFS, "the folder cannot be written (Read-only file system)"),
    ],
)
def test_each_failed_write_is_named_with_its_fix(code: int, says: str) -> None:
    message = str(write_error(OSError(code, os.strerror(code)), Path("idx")))
    assert message.startswith("Could not write the index at idx: " + says), message
    assert "previous index is unchanged" in message and "`webinar-rag ingest` again" in message
    assert "\n" not in message


def test_a_failed_faiss_write_is_told_as_the_os_error_it_was() -> None:
    """FAISS raises RuntimeError for a failed fwrite, the errno only in its text."""
    said = RuntimeError(
        "Error in void faiss::write_index(...) at index_write.cpp:499: Error: 'ret == "
        "(size * 4)' failed: write error in /x/index.faiss: 9955 != 153600 (No space left on "
        "device)"
    )
    error = faiss_failure(said, Path("index.faiss"))
    assert isinstance(error, OSError) and error.errno == errno.ENOSPC
    other = RuntimeError("Error: 'd == dim' failed")
    assert faiss_failure(other, Path("index.faiss")) is other
