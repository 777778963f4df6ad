"""The disk fills during an index write, for real (tests/test_full_disk.py; `python -m
bench.faults` measures it): `webinar-rag ingest` in a child process whose files may not grow
past a limit (RLIMIT_FSIZE, so the write gets EFBIG), or on a small tmpfs filled up to its last
64 KB (ENOSPC; mounting one needs root). The index there holds corpus A; the child ingests the
larger corpus B. What is measured: its exit code and message, whether the index is byte for
byte as it was, what was left beside it, and whether the next ingest, once there is room,
succeeds.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ingest import ingest
from webinar_rag.models import Embedder
from webinar_rag.store import load_index

from .corpora import write_corpus
from .seed import ROOT, settings_at, snapshot

ROOM = 64 << 10  # what the filled disk has left: less than B's index needs


class CannotMount(RuntimeError):
    """A small tmpfs cannot be mounted here (not root)."""


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
        raise CannotMount(mounted.stderr.strip() or "mount failed")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


def corpora(work: Path) -> tuple[Path, Path]:
    """A small corpus (A) and a larger one (B) whose index is some hundred KB."""
    return write_corpus(work / "A", files=2, turns=6), write_corpus(work / "B", files=3, turns=16)


@dataclass
class Filled:
    """What one ingest that ran out of room left."""

    how: str  # "file size limit" or "full disk"
    code: int  # the ingest's exit code
    message: str  # its standard error
    seconds: float  # until it exited
    unchanged: bool  # the index is byte for byte as it was
    left_beside: list[str]  # what lay beside the index after it
    next_code: int = -1  # the next ingest's, once there is room
    next_message: str = ""
    next_left_beside: tuple[str, ...] = ()
    next_sources: tuple[str, ...] = ()  # what the index holds after it


def _run(how: str, index_dir: Path, large: Path, preexec: Callable[[], None] | None) -> Filled:
    before = snapshot(index_dir)
    began = time.perf_counter()
    done = cli_ingest(large, index_dir, preexec)
    return Filled(
        how,
        done.returncode,
        done.stderr,
        time.perf_counter() - began,
        snapshot(index_dir) == before,
        beside(index_dir),
    )


def _next(report: Filled, index_dir: Path, large: Path) -> Filled:
    again = cli_ingest(large, index_dir)
    report.next_code, report.next_message = again.returncode, again.stderr
    report.next_left_beside = tuple(beside(index_dir))
    if again.returncode == 0:
        report.next_sources = tuple(sorted(load_index(index_dir).sources))
    return report


def under_a_file_size_limit(
    work: Path, embedder: Embedder, check: Callable[[Path], None]
) -> Filled:
    """The child's files may grow only a little past the old index's largest; `check` looks
    at the old index after the failed ingest, before the next one."""
    small, large = corpora(work)
    index_dir = work / "indexes" / "index"
    ingest([small], settings_at(index_dir, small), embedder=embedder)
    largest = max(len(b) for b in snapshot(index_dir).values())
    report = _run("file size limit", index_dir, large, limited(largest + 4096))
    check(index_dir)
    return _next(report, index_dir, large)


def on_a_full_disk(work: Path, embedder: Embedder, check: Callable[[Path], None]) -> Filled:
    """The index on an 8 MB tmpfs, filled but for `ROOM`; the filler is deleted (space freed)
    before the next ingest. CannotMount when this user may not mount."""
    small, large = corpora(work)
    built = work / "built" / "index"
    ingest([small], settings_at(built, small), embedder=embedder)
    with small_disk(work / "disk", 8 << 20) as disk:
        index_dir = disk / "indexes" / "index"
        shutil.copytree(built, index_dir)
        filler = disk / "filler"
        filler.write_bytes(b"\0" * (shutil.disk_usage(disk).free - ROOM))
        report = _run("full disk", index_dir, large, None)
        check(index_dir)
        filler.unlink()
        return _next(report, index_dir, large)
