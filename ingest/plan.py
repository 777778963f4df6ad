"""What an ingest will do with each document, decided before anything is embedded.

The store keeps every document it holds unless told otherwise:
- a held document whose file did not change keeps its vectors (when they fit the model and
  chunker); a new or changed file is read and embedded;
- when the held vectors cannot be kept (another model, chunker or reader version, a damaged
  index, `--rebuild`), every held document is embedded again: from its file when the file is
  there, else from the text the index holds;
- a held document is dropped only when its file is gone from a folder this ingest reads (the
  folder is the corpus being synchronised); a file gone from elsewhere keeps its document;
- a file that cannot be read is reported, and its previous version, if any, stays.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ingest.audio import SUFFIXES as RECORDINGS
from ingest.identities import unify_speakers
from ingest.readers import READERS, Reader, read_document
from ingest.summary import FileResult
from webinar_rag.core import Source, TranscriptFormatError
from webinar_rag.store import Held


@dataclass(frozen=True)
class Reading:
    """A file to read: its bytes, why ("new", "changed", "rebuilt"), the format asked for."""

    path: Path
    data: bytes
    status: str
    format: str | None


@dataclass
class Plan:
    keep: dict[str, Source] = field(default_factory=dict)  # held, unchanged: vectors reused
    read: dict[str, Reading] = field(default_factory=dict)
    # held documents embedded again from the text the index holds (their file is not at hand)
    restore: dict[str, Source] = field(default_factory=dict)
    previous: dict[str, Source] = field(default_factory=dict)  # stays if its new version fails
    drop: list[str] = field(default_factory=list)
    results: list[FileResult] = field(default_factory=list)
    reusable: bool = True  # the held vectors fit: unchanged documents keep them
    counts: Mapping[str, int] = field(default_factory=dict)  # held chunks per document
    max_recording_mb: float = 0.0  # the size limit for audio and video files

    def hold(self, source: Source, notes: tuple[str, ...] = (), quiet: bool = False) -> None:
        """A held document stays: with its vectors, or embedded again from its text.
        `quiet`: its file failed, and that failure is what the results say of it."""
        if self.reusable:
            self.keep[source.name] = source
            status = "unchanged"
        else:
            self.restore[source.name] = source
            status = "rebuilt"
        if not quiet:
            self.results.append(
                FileResult(
                    source.name,
                    status,
                    source.format,
                    speakers=len({t.speaker for t in source.turns if t.speaker}),
                    turns=len(source.turns),
                    chunks=self.counts.get(source.name, 0) if self.reusable else 0,
                    notes=notes,
                )
            )


def make_plan(
    files: Sequence[Path],
    skipped: Sequence[tuple[Path, str]],
    held: Held,
    *,
    reusable: bool,
    format: str | None,
    max_mb: float,
    folders: Sequence[Path] = (),
    max_recording_mb: float | None = None,
) -> Plan:
    """The plan for these files (those `find_transcripts` skipped are reported as failed)
    against what the store holds; `folders`: the folders this ingest reads. A recording's
    limit is `max_recording_mb` (default: `max_mb`)."""
    plan = Plan(
        reusable=reusable,
        counts=held.chunk_counts,
        max_recording_mb=max_mb if max_recording_mb is None else max_recording_mb,
    )
    plan.results += [FileResult(p.name, "failed", error=f"{p}: {why}") for p, why in skipped]
    given = {f.name for f in files}
    synced = [f.resolve() for f in folders]
    for path in files:
        _plan_file(plan, path, held.sources.get(path.name), format, max_mb)
    for name, old in held.sources.items():
        if name in given:
            continue
        recorded = Path(old.path) if old.path else None
        if recorded is not None and recorded.is_file():
            _plan_file(plan, recorded, old, None, max_mb)
        elif recorded is not None and any(recorded.is_relative_to(f) for f in synced):
            plan.drop.append(name)
            plan.results.append(FileResult(name, "removed", old.format))
        else:
            gone = f"its file {recorded} is gone; kept as indexed (`corpus remove {name}` drops it)"
            plan.hold(old, (gone,) if recorded is not None else ())
    return plan


def _plan_file(
    plan: Plan, path: Path, old: Source | None, format: str | None, max_mb: float
) -> None:
    name = path.name
    recording = (format or "") == "recording" or (
        format is None and path.suffix.lower() in RECORDINGS
    )
    limit = plan.max_recording_mb if recording and plan.max_recording_mb else max_mb
    try:
        size = path.stat().st_size
        if size > limit * 1e6:
            raise _Unread(_too_big(path, size, limit, recording))
        data = path.read_bytes()
    except (OSError, _Unread) as exc:
        why = (
            str(exc)
            if isinstance(exc, _Unread)
            else (f"cannot read it ({exc.strerror}); check the file's permissions")
        )
        plan.results.append(FileResult(name, "failed", error=why))
        if old is not None:
            plan.hold(old, quiet=True)
        return
    digest = hashlib.sha256(data).hexdigest()
    same = old is not None and old.sha256 == digest and format in (None, old.format)
    if same and plan.reusable:
        assert old is not None
        plan.hold(old)
        return
    status = "new" if old is None else "rebuilt" if same else "changed"
    plan.read[name] = Reading(path, data, status, format)
    if old is not None:
        plan.previous[name] = old


class _Unread(Exception):
    """A file that is not read (too big); its message is the one-line reason."""


def _too_big(path: Path, size: int, max_mb: float, recording: bool = False) -> str:
    what, setting = (
        ("recording", "WEBINAR_RAG_MAX_RECORDING_MB")
        if recording
        else ("transcript", "WEBINAR_RAG_MAX_FILE_MB")
    )
    return (
        f"{path} is {size / 1e6:,.1f} MB, over the {max_mb:g} MB limit for one {what}; "
        f"split it into parts, or raise {setting}"
    )


def read_files(plan: Plan, readers: Mapping[str, Reader] = READERS) -> list[Source]:
    """The documents to embed: the files read, then the held ones restored from their text.
    A file that cannot be read is reported, and its previous version, if any, stays.
    `readers`: this ingest's own readers (the recording reader, with its settings)."""
    documents = []
    for name, reading in plan.read.items():
        began = time.perf_counter()
        try:
            doc = read_document(reading.path, reading.format, reading.data, readers)
        except TranscriptFormatError as exc:
            plan.results.append(FileResult(name, "failed", error=str(exc)))
            if name in plan.previous:
                plan.hold(plan.previous[name], quiet=True)
            continue
        turns = unify_speakers(doc.turns)
        digest = hashlib.sha256(reading.data).hexdigest()
        documents.append(
            Source(
                name,
                digest,
                doc.text,
                turns,
                title=doc.title,
                format=doc.format,
                path=str(reading.path.resolve()),
            )
        )
        plan.results.append(
            FileResult(
                name,
                reading.status,
                doc.format,
                speakers=len({t.speaker for t in turns if t.speaker}),
                turns=len(turns),
                seconds=time.perf_counter() - began,
                encoding=doc.encoding,
                notes=doc.notes,
            )
        )
    return documents + list(plan.restore.values())


def nothing_read(plan: Plan) -> TranscriptFormatError:
    """The error when no file of an ingest could be read: the one failure, or all of them."""
    failed = [r for r in plan.results if r.error]
    return TranscriptFormatError(
        (failed[0].error or "")
        if len(failed) == 1
        else "No transcript could be read: " + "; ".join(f"{r.name}: {r.error}" for r in failed)
    )
