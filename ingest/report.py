"""What an ingest reports: a line per file, the totals, and where the time went."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ingest.chunks import Chunk
from ingest.index import Source
from ingest.settings import IngestSettings


@dataclass(frozen=True)
class FileReport:
    """What ingest did with one file."""

    name: str
    status: str  # "new", "changed", "unchanged", "removed" or "failed"
    format: str | None = None
    speakers: int = 0
    turns: int = 0
    chunks: int = 0
    seconds: float = 0.0
    encoding: str | None = None
    notes: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class IngestReport:
    index_dir: Path
    files: tuple[FileReport, ...]
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
        return tuple(f.name for f in self.files if f.status in ("new", "changed", "unchanged"))

    @property
    def failed(self) -> tuple[FileReport, ...]:
        return tuple(f for f in self.files if f.status == "failed")


class Contents(Protocol):
    """What an index holds, as far as a report counts it."""

    @property
    def sources(self) -> dict[str, Source]: ...

    @property
    def chunks(self) -> list[Chunk]: ...


def summarise(
    settings: IngestSettings,
    reports: list[FileReport],
    index: Contents,
    began: float,
    written: bool = False,
    stages: dict[str, float] | None = None,
    notes: tuple[str, ...] = (),
) -> IngestReport:
    return IngestReport(
        settings.index_dir,
        tuple(sorted(reports, key=lambda r: r.name)),
        sum(len(s.turns) for s in index.sources.values()),
        len(index.chunks),
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
