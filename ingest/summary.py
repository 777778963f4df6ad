"""What an ingest tells its caller: a result per file, the totals, and where the time went."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from webinar_rag.store import Held


@dataclass(frozen=True)
class FileResult:
    """What ingest did with one file."""

    name: str
    # "new", "changed", "unchanged", "rebuilt" (embedded again: the index's model, chunker
    # or format changed, or it was damaged), "removed" or "failed"
    status: str
    format: str | None = None
    speakers: int = 0
    turns: int = 0
    chunks: int = 0
    seconds: float = 0.0
    encoding: str | None = None
    notes: tuple[str, ...] = ()
    error: str | None = None

    def embedded(self, chunks: int, seconds: float) -> FileResult:
        """This result, completed with its chunks and the time spent embedding them."""
        return replace(self, chunks=chunks, seconds=self.seconds + seconds)


@dataclass(frozen=True)
class IngestSummary:
    index_dir: Path | str  # the folder, or "the database's index"
    files: tuple[FileResult, ...]
    n_turns: int
    n_chunks: int
    seconds: float
    up_to_date: bool  # nothing changed, so nothing was written
    # Where the time went: "read" (files, parsing), "model" (loading it), "embed", "write".
    stages: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # about the index as a whole (e.g. found damaged, rebuilt)

    @property
    def sources(self) -> tuple[str, ...]:
        """The documents the index holds."""
        kept = ("new", "changed", "unchanged", "rebuilt")
        return tuple(f.name for f in self.files if f.status in kept)

    @property
    def failed(self) -> tuple[FileResult, ...]:
        return tuple(f for f in self.files if f.status == "failed")


def summarise(
    where: Path | str,
    results: list[FileResult],
    held: Held,
    began: float,
    written: bool = False,
    stages: dict[str, float] | None = None,
    notes: tuple[str, ...] = (),
) -> IngestSummary:
    return IngestSummary(
        where,
        tuple(sorted(results, key=lambda r: r.name)),
        held.n_turns,
        held.n_chunks,
        time.perf_counter() - began,
        up_to_date=not written,
        stages=stages or {},
        notes=notes,
    )


class Stages:
    """Seconds per stage of one ingest, each lap timed from the end of the one before."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.times[stage] = round(self.times.get(stage, 0.0) + now - self._last, 3)
        self._last = now
