"""The one ingest flow, over whichever store is configured (its `Writer`):

    files -> plan (keep, read, embed again, drop) -> documents -> chunks -> vectors -> write

The store is written once, under its lock, all or nothing. Removing documents and loading a
Ray job's vectors go through the same writer, so every store gains and loses documents by one
set of rules (`ingest.plan`): nothing is dropped that was not asked to be.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from ingest.audio import RecordingReader, transcripts_beside
from ingest.files import find_transcripts
from ingest.parts import embed_documents
from ingest.plan import Plan, make_plan, nothing_read, read_files
from ingest.pooling import SPEAKER_WEIGHT
from ingest.readers import READERS_VERSION
from ingest.removal import check_removal, set_aside
from ingest.summary import FileResult, IngestSummary, Stages, summarise
from webinar_rag.core import POOLED, IndexCorrupt, IngestSettings, Manifest, Settings
from webinar_rag.models import Embedder, load_embedder, model_name
from webinar_rag.store import DocumentVectors, Held, Writer, mismatch, open_writer
from webinar_rag.store.terms import STEMMER


def ingest(
    paths: Sequence[Path] | None = None,
    settings: Settings | None = None,
    *,
    rebuild: bool = False,
    embedder: Embedder | None = None,
    format: str | None = None,
    wait: float = 0.0,
    progress: bool = False,
) -> IngestSummary:
    """Bring the store up to date with the given transcripts (default: the corpus folder).

    `rebuild` embeds every document again; `format` reads the given files with that reader;
    `wait` is how long to wait for another ingest of the same store. The previous index
    survives any error."""
    settings = settings or Settings()
    began = time.perf_counter()
    clock = Stages()
    given = [Path(p) for p in (paths or [settings.ingest.corpus])]
    files, skipped = find_transcripts(given)
    model = embedder.name if embedder else model_name(settings.models.embed_model)
    chunker = chunker_record(settings.ingest)
    with open_writer(settings.index, wait) as writer:
        held = writer.held()
        why = _why_embed_again(held, model, chunker, settings.ingest, rebuild)
        plan = make_plan(
            files,
            skipped,
            held,
            reusable=why is None,
            format=format,
            max_mb=settings.ingest.max_file_mb,
            folders=[p for p in given if p.is_dir()],
            max_recording_mb=settings.ingest.audio.max_recording_mb,
        )
        lost = _account_for_lost(held, plan, files, rebuild, writer)
        documents = read_files(plan, {"recording": recording_reader(settings, progress)})
        clock.lap("read")
        # nothing to write: no file was read (those that failed leave their documents as
        # they were), and none is dropped
        if held.sources and not (documents or plan.drop) and why is None:
            return summarise(
                _where(settings, writer), plan.results, held, began, stages=clock.times
            )
        if not documents and not plan.keep:
            raise nothing_read(plan)
        embedder = embedder or load_embedder(settings.models)
        clock.lap("model")
        new = embed_documents(embedder, documents, settings.ingest, progress=progress)
        clock.lap("embed")
        final = writer.write(manifest_for(embedder, settings.ingest), list(new.values()), plan.drop)
        clock.lap("write")
    results = [_completed(r, new) for r in plan.results]
    notes = (
        (f"{_capital(writer.where)}: {why}; every document was embedded again.",)
        if (why and held.sources)
        else ()
    )
    return summarise(
        _where(settings, writer), results, final, began, True, clock.times, notes + lost
    )


def remove_documents(
    names: Sequence[str], settings: Settings | None = None, *, wait: float = 0.0
) -> IngestSummary:
    """Drop documents (by file name) from the store, without a model: the others keep their
    vectors. A removed file that lies in the corpus folder moves to `<corpus>/.removed/`, so
    the next ingest of the folder does not bring it back (and nothing is deleted)."""
    settings = settings or Settings()
    began = time.perf_counter()
    with open_writer(settings.index, wait) as writer:
        held = writer.held()
        if not held.usable or held.manifest is None:
            raise IndexCorrupt(
                f"{_capital(writer.where)} cannot be read whole ({held.reason or 'it is empty'}). "
                "Run `webinar-rag ingest --rebuild` first."
            )
        check_removal(names, held.sources, writer.where)
        final = writer.write(held.manifest, [], drop=names)
        results = set_aside(names, held.sources, settings.ingest.corpus)  # once written
    return summarise(_where(settings, writer), results, final, began, written=True)


def add_parts(parts: Sequence[DocumentVectors], embedder: Embedder, settings: Settings) -> Held:
    """Write documents embedded elsewhere (a Ray job's shards) through the same writer: they
    replace their earlier versions, and every other held document stays."""
    with open_writer(settings.index) as writer:
        writer.held()
        return writer.write(manifest_for(embedder, settings.ingest), parts, drop=())


def recording_reader(settings: Settings, progress: bool = False) -> RecordingReader:
    """The recording reader of this index: its transcripts kept beside the index folder."""
    return RecordingReader(settings.ingest.audio, transcripts_dir(settings), progress)


def transcripts_dir(settings: Settings) -> Path:
    """Where this index keeps its recordings' transcripts."""
    return settings.ingest.audio.transcripts_dir or transcripts_beside(settings.index.index_dir)


def manifest_for(embedder: Embedder, settings: IngestSettings) -> Manifest:
    """The manifest of a write, built here once; the writer fills in what it holds (the
    documents, counts, the vector index, checksums)."""
    return Manifest(
        model=embedder.name,
        dimension=embedder.dimension,
        chunker=chunker_record(settings),
        speaker_prefix=settings.speaker_prefix,
        sources={},
        n_chunks=0,
        n_sentences=0,
    )


def chunker_record(settings: IngestSettings) -> dict[str, object]:
    """What the manifest records of how text was cut and tokenised: a change means a rebuild."""
    record = settings.chunker.to_dict() | {"parser_version": READERS_VERSION, "stemmer": STEMMER}
    if settings.chunk_vectors == POOLED:  # the default adds nothing: indexes before keep theirs
        record |= {"chunk_vectors": POOLED, "speaker_weight": SPEAKER_WEIGHT}
    return record


def _why_embed_again(
    held: Held, model: str, chunker: dict[str, object], settings: IngestSettings, rebuild: bool
) -> str | None:
    """Why the held vectors cannot be kept (None: they can)."""
    if rebuild:
        return "--rebuild asked for it"
    if not held.usable:
        return held.reason or "it could not be read whole"
    if held.manifest is None:
        return None
    return mismatch(held.manifest, model, chunker, settings.speaker_prefix)


def _account_for_lost(
    held: Held, plan: Plan, files: Sequence[Path], rebuild: bool, writer: Writer
) -> tuple[str, ...]:
    """A damaged index whose documents' text is lost can get them back only from their files:
    an ingest that would leave some out stops, unless `--rebuild` asked to build the index from
    the files given (then the lost ones are dropped, and a note names them)."""
    if held.usable:
        return ()
    given = {f.name for f in files}
    lost = None if held.unreadable is None else [n for n in held.unreadable if n not in given]
    if lost is None or lost:
        if not rebuild:
            which = "an unknown number of documents" if lost is None else ", ".join(lost)
            raise IndexCorrupt(
                f"{_capital(writer.where)} is damaged ({held.reason}), and the text of {which} "
                "cannot be read back from it. Ingest their files too, or run `webinar-rag "
                "ingest --rebuild PATH...` to build the index from the given files alone."
            )
        plan.drop.extend(lost or ())
        return (
            f"Lost with the damaged index (no file of theirs was given): "
            f"{', '.join(lost) if lost else 'whatever else it held'}.",
        )
    return ()


def _completed(result: FileResult, new: dict[str, DocumentVectors]) -> FileResult:
    """A read or restored file's result, with its chunks and the time spent embedding them."""
    part = new.get(result.name)
    if part is None or result.status not in ("new", "changed", "rebuilt"):
        return result
    return result.embedded(len(part.chunks), part.seconds)


def _where(settings: Settings, writer: Writer) -> Path | str:
    return settings.index.index_dir if settings.index.store_url is None else writer.where


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
