"""Corpus files -> documents -> chunks -> vectors -> index folder, incrementally.

The index holds every document it held whose file still exists, plus the files given. A file
whose bytes did not change keeps its chunks and vectors; a new or changed one is read and
embedded; a document whose file is gone is dropped. One bad file is reported and skipped: the
rest of the batch is ingested. The folder is written once, atomically, by one ingest at a time.
(Near 290 lines: adding and removing documents share the lock, the plan and the report.)
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ingest import folder
from ingest.corpus import find_transcripts
from ingest.embedder import Embedder, load_embedder, model_name
from ingest.errors import (
    IndexFolderError,
    TranscriptFormatError,
)
from ingest.identities import unify_speakers
from ingest.index import FORMAT_VERSION, Index, Manifest, Source
from ingest.lexical import STEMMER
from ingest.lock import IndexLock
from ingest.readers import READERS_VERSION, read_document
from ingest.report import FileReport, IngestReport, Stages, summarise
from ingest.settings import IngestSettings
from ingest.store import Corpus, store_url
from ingest.vectors import DocumentVectors, build_index, embed_documents


@dataclass
class _Plan:
    keep: dict[str, Source] = field(default_factory=dict)  # unchanged: reuse
    # to read: path, bytes, "new" or "changed", and the format asked for (None: detect)
    read: dict[str, tuple[Path, bytes, str, str | None]] = field(default_factory=dict)
    previous: dict[str, Source] = field(default_factory=dict)  # kept if its new version fails
    reports: list[FileReport] = field(default_factory=list)


def ingest(
    paths: Sequence[Path] | None = None,
    settings: IngestSettings | None = None,
    *,
    rebuild: bool = False,
    embedder: Embedder | None = None,
    format: str | None = None,
    wait: float = 0.0,
    progress: bool = False,
) -> IngestReport:
    """Bring the index up to date with the given transcripts (default: the corpus folder).

    `format` reads the given files with that reader; `wait` is how long to wait for another
    ingest of the same index. The previous index survives any error. With WEBINAR_RAG_STORE
    naming a database, the index is written there instead (`ingest.pg_ingest`)."""
    url = store_url()
    if url is not None:
        from ingest.pg_ingest import ingest_database

        return ingest_database(
            url, paths, settings, rebuild=rebuild, embedder=embedder, format=format, wait=wait
        )
    settings = settings or IngestSettings()
    began = time.perf_counter()
    clock = Stages()
    files, skipped = find_transcripts(paths or [settings.corpus])
    folder.check_target(settings.index_dir)
    model = embedder.name if embedder else model_name(Path(settings.model_path))
    chunker = chunker_record(settings)
    with IndexLock(settings.index_dir, wait=wait):
        folder.recover(settings.index_dir)
        existing, damage = (None, None) if rebuild else _compatible(settings, model, chunker)
        plan, documents = read_plan(files, skipped, existing, format, settings.max_file_mb)
        clock.lap("read")
        if not documents and existing is not None and set(plan.keep) == set(existing.sources):
            return summarise(settings, plan.reports, existing, began, stages=clock.times)
        if not documents and not plan.keep:
            raise nothing_read(plan)
        embedder = embedder or load_embedder(settings.model_path)
        clock.lap("model")
        new = embed_documents(embedder, documents, settings, progress=progress)
        clock.lap("embed")
        reused = (
            {name: DocumentVectors.reuse(existing, name) for name in plan.keep} if existing else {}
        )
        parts = {**reused, **new}
        sources = [parts[name].source for name in sorted(parts)]
        index = build_index(
            [parts[s.name] for s in sources],
            Manifest(
                model=embedder.name,
                dimension=embedder.dimension,
                chunker=chunker,
                speaker_prefix=settings.speaker_prefix,
                sources={s.name: s.sha256 for s in sources},
                n_chunks=sum(len(parts[s.name].chunks) for s in sources),
                n_sentences=sum(len(parts[s.name].sentence_keys) for s in sources),
            ),
        )
        index.save(settings.index_dir)
        clock.lap("write")
        reports = [_done(r, new) for r in plan.reports]
        notes = (f"{damage} Rebuilt it from the files given.",) if damage else ()
        return summarise(
            settings, reports, index, began, written=True, stages=clock.times, notes=notes
        )


def _compatible(
    settings: IngestSettings, model: str, chunker: dict[str, object]
) -> tuple[Index | None, str | None]:
    """The existing index, if its vectors and chunks can be reused as they are; else None,
    and why when it is damaged."""
    try:
        manifest = Index.load_manifest(settings.index_dir)
        if manifest is None or (
            manifest.format_version,
            manifest.model,
            manifest.chunker,
            manifest.speaker_prefix,
        ) != (FORMAT_VERSION, model, chunker, settings.speaker_prefix):
            return None, None
        return Index.load(settings.index_dir), None
    except IndexFolderError as exc:
        return None, str(exc).split(" Run `", 1)[0]  # damaged: rebuilt from the files


def read_plan(
    files: Sequence[Path],
    skipped: Sequence[tuple[Path, str]],
    existing: Corpus | None,
    format: str | None,
    max_mb: float,
) -> tuple[_Plan, list[Source]]:
    """The plan for these files against what is indexed (files `find_transcripts` skipped are
    reported as failed), and the new and changed documents read; for every store's ingest."""
    plan = _plan(files, existing, format, max_mb)
    plan.reports += [FileReport(p.name, "failed", error=f"{p}: {why}") for p, why in skipped]
    return plan, _read(plan)


def nothing_read(plan: _Plan) -> TranscriptFormatError:
    """The error when no file of an ingest could be read: the one failure, or all of them."""
    failed = [r for r in plan.reports if r.error]
    return TranscriptFormatError(
        (failed[0].error or "")
        if len(failed) == 1
        else "No transcript could be read: " + "; ".join(f"{r.name}: {r.error}" for r in failed)
    )


def _plan(
    files: Sequence[Path], existing: Corpus | None, format: str | None, max_mb: float
) -> _Plan:
    """Which documents to reuse, read or drop: the given files, and the indexed documents
    whose files are elsewhere (re-read if they changed, dropped if they are gone). A file
    over `max_mb` is reported, not read."""
    plan = _Plan()
    known = dict(existing.sources) if existing else {}
    chunks: dict[str, int] = {}
    for c in existing.chunks if existing else ():
        chunks[c.source] = chunks.get(c.source, 0) + 1
    given = {f.name: f for f in files}
    others = [Path(s.path) for name, s in known.items() if name not in given and s.path is not None]
    for path in [*files, *others]:
        name = path.name
        old = known.get(name)
        if path not in files and not path.is_file():
            plan.reports.append(FileReport(name, "removed", old.format if old else None))
            continue
        try:
            size = path.stat().st_size
            if size > max_mb * 1e6:
                plan.reports.append(FileReport(name, "failed", error=_too_big(path, size, max_mb)))
                if old is not None:
                    plan.keep[name] = old
                continue
            data = path.read_bytes()
        except OSError as exc:
            error = f"cannot read it ({exc.strerror}); check the file's permissions"
            plan.reports.append(FileReport(name, "failed", error=error))
            if old is not None:
                plan.keep[name] = old
            continue
        digest = hashlib.sha256(data).hexdigest()
        wanted = format if path in files else None
        if old is not None and old.sha256 == digest and wanted in (None, old.format):
            plan.keep[name] = old
            plan.reports.append(
                FileReport(
                    name,
                    "unchanged",
                    old.format,
                    speakers=len({t.speaker for t in old.turns if t.speaker}),
                    turns=len(old.turns),
                    chunks=chunks.get(name, 0),
                )
            )
        else:
            plan.read[name] = (path, data, "new" if old is None else "changed", wanted)
            if old is not None:
                plan.previous[name] = old
    for name, old in known.items():
        if name not in given and old.path is None:
            plan.keep[name] = old  # an index made before documents knew their files
    return plan


def _too_big(path: Path, size: int, max_mb: float) -> str:
    return (
        f"{path} is {size / 1e6:,.1f} MB, over the {max_mb:g} MB limit for one transcript; "
        "split it into parts, or raise WEBINAR_RAG_MAX_FILE_MB"
    )


def _read(plan: _Plan) -> list[Source]:
    """The documents to embed; a file that cannot be read is reported, and its previous
    version, if any, is kept."""
    documents = []
    for name, (path, data, status, format) in plan.read.items():
        began = time.perf_counter()
        try:
            doc = read_document(path, format=format, data=data)
        except TranscriptFormatError as exc:
            plan.reports.append(FileReport(name, "failed", error=str(exc)))
            if name in plan.previous:
                plan.keep[name] = plan.previous[name]
            continue
        turns = unify_speakers(doc.turns)
        source = Source(
            name,
            hashlib.sha256(data).hexdigest(),
            doc.text,
            turns,
            title=doc.title,
            format=doc.format,
            path=str(path.resolve()),
        )
        documents.append(source)
        plan.reports.append(
            FileReport(
                name,
                status,
                doc.format,
                speakers=len({t.speaker for t in turns if t.speaker}),
                turns=len(turns),
                seconds=time.perf_counter() - began,
                encoding=doc.encoding,
                notes=doc.notes,
            )
        )
    return documents


def _done(report: FileReport, new: dict[str, DocumentVectors]) -> FileReport:
    """A read file's report, completed with its chunks and the time spent embedding them."""
    part = new.get(report.name)
    if part is None or report.status not in ("new", "changed"):
        return report
    return FileReport(
        **{**report.__dict__, "chunks": len(part.chunks), "seconds": report.seconds + part.seconds}
    )


def chunker_record(settings: IngestSettings) -> dict[str, object]:
    """What the manifest records of how text was cut and tokenised: a change means a rebuild."""
    return settings.chunker.to_dict() | {"parser_version": READERS_VERSION, "stemmer": STEMMER}
