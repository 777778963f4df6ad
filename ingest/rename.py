"""Naming a recording's speakers: `Speaker 2` becomes `Ana López`, without transcribing again.

The name goes into the recording's kept transcript (so it survives every later ingest, a
rebuild included) and into the index: the document is written again from the transcript and
its text embedded again (its chunks carry the speaker's name), under the ingest lock.
"""

from __future__ import annotations

import time
from dataclasses import replace

from ingest.audio import FORMAT, document_of, load_transcript, save_transcript
from ingest.flow import chunker_record, manifest_for, transcripts_dir
from ingest.identities import unify_speakers
from ingest.parts import embed_documents
from ingest.summary import FileResult, IngestSummary, summarise
from webinar_rag.core import (
    IndexCorrupt,
    IndexMismatch,
    Settings,
    TranscriptFormatError,
    UnknownSpeaker,
)
from webinar_rag.models import Embedder, load_embedder, model_name
from webinar_rag.store import document_named, mismatch, open_writer


def rename_speaker(
    document: str,
    old: str,
    new: str,
    settings: Settings | None = None,
    *,
    embedder: Embedder | None = None,
    wait: float = 0.0,
) -> IngestSummary:
    """Show the speaker `old` of the recording `document` (file name, stem or title) as `new`."""
    settings = settings or Settings()
    began = time.perf_counter()
    new = " ".join(new.split())
    if not new:
        raise UnknownSpeaker("The new name is empty. Give the speaker a name, e.g. 'Ana López'.")
    with open_writer(settings.index, wait) as writer:
        held = writer.held()
        if not held.usable or held.manifest is None:
            raise IndexCorrupt(
                f"The index cannot be read whole ({held.reason or 'it is empty'}). Run "
                "`webinar-rag ingest` first."
            )
        name = document_named(held.sources, document)
        source = held.sources[name]
        if source.format != FORMAT:
            raise TranscriptFormatError(
                f"{name} is a {source.format} transcript, not a recording: rename its speaker "
                "in the file and ingest it again."
            )
        speakers = list(dict.fromkeys(t.speaker for t in source.turns if t.speaker))
        if old not in speakers:
            raise UnknownSpeaker(
                f"{name} has no speaker {old!r}. Its speakers: {', '.join(speakers)}."
            )
        model = embedder.name if embedder else model_name(settings.models.embed_model)
        why = mismatch(
            held.manifest, model, chunker_record(settings.ingest), settings.ingest.speaker_prefix
        )
        if why is not None:
            raise IndexMismatch(f"The index cannot be added to: {why}. Run `ingest --rebuild`.")
        kept = transcripts_dir(settings)
        transcript = load_transcript(kept, source.sha256)
        if transcript is None:
            raise TranscriptFormatError(
                f"The transcript of {name} is no longer kept beside the index ({kept}). Ingest "
                "the recording again (`webinar-rag ingest --rebuild FILE`), then rename."
            )
        transcript = transcript.renamed(old, new)
        doc = document_of(transcript, name, source.title)
        renamed = replace(source, text=doc.text, turns=unify_speakers(doc.turns))
        embedder = embedder or load_embedder(settings.models)
        parts = embed_documents(embedder, [renamed], settings.ingest)
        final = writer.write(manifest_for(embedder, settings.ingest), list(parts.values()), ())
        save_transcript(kept, transcript)  # once the index holds the new name
    result = FileResult(
        name,
        "changed",
        FORMAT,
        speakers=len(doc.speakers),
        turns=len(doc.turns),
        chunks=len(parts[name].chunks),
        seconds=time.perf_counter() - began,
        notes=(f"{old!r} is now {new!r} (not transcribed again)",),
    )
    return summarise(settings.index.index_dir, [result], final, began, written=True)
