"""Corpus files -> turns -> chunks -> vectors -> index folder; skipped when nothing changed."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest.chunks import chunk_turns
from ingest.embedder import Embedder, load_embedder, model_name
from ingest.errors import CorpusNotFound, IndexCorrupt, IndexMismatch, TranscriptFormatError
from ingest.index import FORMAT_VERSION, Index, Manifest, Source
from ingest.settings import IngestSettings
from ingest.turns import PARSER_VERSION, parse_transcript

SUFFIXES = (".md", ".markdown", ".txt")


@dataclass(frozen=True)
class IngestReport:
    index_dir: Path
    sources: tuple[str, ...]
    n_turns: int
    n_chunks: int
    seconds: float
    up_to_date: bool  # nothing changed, so nothing was embedded


def ingest(
    paths: Sequence[Path] | None = None,
    settings: IngestSettings | None = None,
    *,
    rebuild: bool = False,
    embedder: Embedder | None = None,
) -> IngestReport:
    """Build (or confirm) the index for the given transcripts; the old index survives errors."""
    settings = settings or IngestSettings()
    began = time.perf_counter()
    files = find_transcripts(paths or [settings.corpus])
    Index.check_target(settings.index_dir)
    texts = {f.name: read_transcript(f) for f in files}
    checksums = {name: hashlib.sha256(t.encode("utf-8")).hexdigest() for name, t in texts.items()}
    chunker = settings.chunker.to_dict() | {"parser_version": PARSER_VERSION}
    model = embedder.name if embedder else model_name(Path(settings.model_path))
    # Decide before loading the model: an unchanged corpus costs a checksum, not a model load.
    if not rebuild and _up_to_date(
        settings.index_dir, model, checksums, chunker, settings.speaker_prefix
    ):
        existing = Index.load(settings.index_dir)
        return IngestReport(
            settings.index_dir,
            tuple(texts),
            _count_turns(existing),
            len(existing.chunks),
            time.perf_counter() - began,
            True,
        )

    embedder = embedder or load_embedder(settings.model_path)
    sources, chunks = [], []
    for name, text in texts.items():
        turns = parse_transcript(text, name)
        sources.append(Source(name, checksums[name], text, tuple(turns)))
        chunks.extend(chunk_turns(turns, text, settings.chunker))
    if not chunks:
        raise TranscriptFormatError(
            f"No text to index in {', '.join(texts)}. Check that the files hold a transcript."
        )
    sentence_keys = list(
        dict.fromkeys((c.source, s.start_char, s.end_char) for c in chunks for s in c.sentences)
    )
    chunk_vectors = embedder.embed([c.embedding_text(settings.speaker_prefix) for c in chunks])
    sentence_vectors = embedder.embed([texts[src][s:e] for src, s, e in sentence_keys])
    manifest = Manifest(
        model=embedder.name,
        dimension=embedder.dimension,
        chunker=chunker,
        speaker_prefix=settings.speaker_prefix,
        sources=checksums,
        n_chunks=len(chunks),
        n_sentences=len(sentence_keys),
    )
    index = Index.build(manifest, chunks, sources, chunk_vectors, sentence_vectors, sentence_keys)
    index.save(settings.index_dir)
    return IngestReport(
        settings.index_dir,
        tuple(texts),
        sum(len(s.turns) for s in sources),
        len(chunks),
        time.perf_counter() - began,
        False,
    )


def find_transcripts(paths: Sequence[Path]) -> list[Path]:
    """Files as given, or the transcript files directly inside given folders, sorted."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES)
            if not found:
                raise CorpusNotFound(
                    f"No transcripts ({', '.join(SUFFIXES)}) in {path}. "
                    "Copy a transcript there or pass its path to `webinar-rag ingest`."
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise CorpusNotFound(
                f"No corpus at {path}. Pass an existing transcript file or folder, "
                "e.g. `webinar-rag ingest corpus/`."
            )
    names = [f.name for f in files]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise CorpusNotFound(
            f"Two transcripts share the name {dupes[0]}; citations name files by their name. "
            "Rename one of them."
        )
    return files


def read_transcript(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TranscriptFormatError(
            f"Cannot read {path} ({exc.strerror}). Check the file's permissions."
        ) from exc
    if b"\x00" in data:
        raise TranscriptFormatError(
            f"{path} is a binary file, not a transcript. Convert it to Markdown or text first."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TranscriptFormatError(
            f"{path} is not UTF-8 text (byte {exc.start}). Re-save it as UTF-8."
        ) from exc
    if not text.strip():
        raise TranscriptFormatError(f"{path} is empty. Put a transcript in it or remove it.")
    return text.replace("\r\n", "\n")


def _up_to_date(
    index_dir: Path,
    model: str,
    checksums: dict[str, str],
    chunker: dict[str, object],
    speaker_prefix: bool,
) -> bool:
    try:
        manifest = Index.load_manifest(index_dir)
    except (IndexCorrupt, IndexMismatch, OSError):
        return False
    return (
        manifest is not None
        and manifest.format_version == FORMAT_VERSION
        and manifest.model == model
        and manifest.sources == checksums
        and manifest.chunker == chunker
        and manifest.speaker_prefix == speaker_prefix
    )


def _count_turns(index: Index) -> int:
    return sum(len(s.turns) for s in index.sources.values())
