"""Every transcript format behind one contract (`ingest.readers.base`): a file in, a `Document`
in the speaker-turn model out.

The reader is the one `--format NAME` names; else the one for the file's extension; for text
extensions several formats share (.txt, .md) the first whose `sniff` recognises the file's
start, in the order of `READERS` (a report's speaker headings win over a log's prefixes), else
the first of them (a report: its text is ingested unattributed when it names no speakers).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ingest.audio.reader import RecordingReader
from ingest.readers.base import (
    NO_SPEAKERS,
    Document,
    Reader,
    Utterance,
    assemble,
    decode,
)
from ingest.readers.log import LogReader
from ingest.readers.pdf import PdfReader
from ingest.readers.report import ReportReader
from ingest.readers.sbv import SbvReader
from ingest.readers.segments import JsonReader
from ingest.readers.subrip import SrtReader
from ingest.readers.vtt import VttReader
from ingest.readers.word import DocxReader
from webinar_rag.core import TranscriptFormatError

READERS: dict[str, Reader] = {
    r.name: r
    for r in (
        ReportReader(),
        LogReader(),
        VttReader(),
        SrtReader(),
        SbvReader(),
        JsonReader(),
        DocxReader(),
        PdfReader(),
        RecordingReader(),  # audio and video: transcribed (the `audio` extra)
    )
}
SNIFF_CHARS = 16_384  # enough lines for a log to show its prefixes after a preamble
# Bump when a reader changes what documents it produces, so indexes re-read their files. 4: the
# report's `**Name:**`, `**Name**`, `## Name` and plain `Name, Role` headings; .2: premises only
# in addressed paragraphs; .3: YouTube's rolling captions kept once, WebVTT titles, SubViewer.
READERS_VERSION = "4.3"


def suffixes() -> list[str]:
    """Every extension some reader reads, sorted."""
    return sorted({s for r in READERS.values() for s in r.suffixes})


SUFFIXES = tuple(suffixes())


def reader_for(
    path: Path, data: bytes, format: str | None = None, readers: Mapping[str, Reader] = READERS
) -> Reader:
    """The reader for a file: `format` when given, else by extension and content. `readers`:
    the readers to choose from (an ingest's own recording reader, with its settings)."""
    readers = {**READERS, **readers}
    if format is not None:
        if format not in READERS:
            raise TranscriptFormatError(
                f"Unknown format {format!r} for {path.name}. Use one of: {', '.join(READERS)}."
            )
        return readers[format]
    suffix = path.suffix.lower()
    candidates = [r for r in readers.values() if suffix in r.suffixes]
    if not candidates:
        raise TranscriptFormatError(
            f"{path.name}: no reader for {suffix or 'files without an extension'}. Known "
            f"extensions: {', '.join(suffixes())}. Rename it, or name its format with "
            f"--format NAME ({', '.join(READERS)})."
        )
    if len(candidates) == 1:
        return candidates[0]
    head = decode(data, path.name)[0][:SNIFF_CHARS]
    return next((r for r in candidates if r.sniff(head)), candidates[0])


def read_document(
    path: Path,
    format: str | None = None,
    data: bytes | None = None,
    readers: Mapping[str, Reader] = READERS,
) -> Document:
    """Read one transcript file in whichever format it is in (`data`: its bytes, if read;
    `readers`: as for `reader_for`)."""
    path = Path(path)
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise TranscriptFormatError(
                f"{path} cannot be read ({exc.strerror or exc}). Check the path and its "
                "permissions."
            ) from exc
    return reader_for(path, data, format, readers).read(path, data)


__all__ = [
    "NO_SPEAKERS",
    "READERS",
    "READERS_VERSION",
    "SUFFIXES",
    "Document",
    "Reader",
    "Utterance",
    "assemble",
    "decode",
    "read_document",
    "reader_for",
    "suffixes",
]
