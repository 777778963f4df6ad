"""The disk fills during an index write, for real (tests.support.full_disk): a child ingest
under RLIMIT_FSIZE (EFBIG), and one on a small tmpfs filled up (ENOSPC; mounting needs root,
else it skips). Either way the old index loads (checksums verified) and answers, the CLI says in
one line what happened and what to do, nothing half-written stays beside the index, and once
there is room the next ingest succeeds. The messages themselves are checked without a model,
for each cause."""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from retrieval import Assistant
from tests.support.full_disk import (
    CannotMount,
    Filled,
    corpora,
    on_a_full_disk,
    under_a_file_size_limit,
)
from tests.support.seed import settings_at
from webinar_rag.models import Embedder
from webinar_rag.store import load_index
from webinar_rag.store.folder.files import faiss_failure, write_error

ONE_LINE = "webinar-rag: error: Could not write the index at "


def old_index_answers(corpus: Path) -> Callable[[Path], None]:
    """After the failed ingest: the old index loads (every checksum verified) and answers a
    question from its text."""

    def check(index_dir: Path) -> None:
        index = load_index(index_dir)
        assert sorted(index.sources) == sorted(p.name for p in corpus.iterdir())
        line = (corpus / "meeting-00.txt").read_text(encoding="utf-8").splitlines()[0]
        question = line.split(": ", 1)[1].split(", item")[0] + "?"
        answer = Assistant.load(settings_at(index_dir, corpus)).ask(question)
        assert not answer.refused and answer.citations, answer.to_dict()
        assert {c.source for c in answer.citations} <= set(index.sources)

    return check


def assert_kept_and_recovered(report: Filled, large: Path, *says: str) -> None:
    message = report.message
    assert report.code == 2, message
    assert message.startswith(ONE_LINE) and message.count("\n") == 1, message
    assert "previous index is unchanged" in message and "Traceback" not in message
    for words in says:
        assert words in message, message
    assert report.unchanged  # byte for byte
    assert report.left_beside == []  # the half-written folder was deleted on the way out
    assert report.next_code == 0, report.next_message
    assert list(report.next_sources) == sorted(p.name for p in large.iterdir())
    assert report.next_left_beside == ()


@pytest.mark.slow
def test_a_file_size_limit_during_the_write_keeps_the_old_index(
    tmp_path: Path, embedder: Embedder
) -> None:
    small, large = corpora(tmp_path)
    report = under_a_file_size_limit(tmp_path, embedder, old_index_answers(small))
    assert_kept_and_recovered(report, large, "file size limit (File too large)", "ulimit -f")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("mount") is None, reason="needs mount(8)")
def test_a_disk_that_fills_during_the_write_keeps_the_old_index(
    tmp_path: Path, embedder: Embedder
) -> None:
    small, large = corpora(tmp_path)
    try:
        report = on_a_full_disk(tmp_path, embedder, old_index_answers(small))
    except CannotMount as exc:
        pytest.skip(f"cannot mount a small tmpfs here ({exc}): needs root")
    says = ("the disk is full (No space left on device)", "Free some disk space")
    assert_kept_and_recovered(report, large, *says)


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
