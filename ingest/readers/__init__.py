"""Readers: any transcript file -> a `Document` in the speaker-turn model (see `base`).

Provisional: only the Markdown report reader, until the other formats land.
"""

from __future__ import annotations

from pathlib import Path

from ingest.errors import TranscriptFormatError
from ingest.readers.base import Document, Utterance, assemble, decode
from ingest.turns import PARSER_VERSION, parse_transcript

SUFFIXES = (".md", ".markdown", ".txt")
READERS_VERSION = PARSER_VERSION


def read_document(path: Path, format: str | None = None, data: bytes | None = None) -> Document:
    """Read one file; `format` overrides the choice by extension and content."""
    path = Path(path)
    if format not in (None, "report") or path.suffix.lower() not in SUFFIXES:
        raise TranscriptFormatError(
            f"{path.name}: unknown format. Supported: {', '.join(SUFFIXES)}."
        )
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise TranscriptFormatError(
                f"Cannot read {path} ({exc.strerror}). Check the file's permissions."
            ) from exc
    text, encoding = decode(data, str(path))
    turns = parse_transcript(text, path.name)
    return Document(path.name, path.stem, "report", text, tuple(turns), encoding)


__all__ = ["READERS_VERSION", "SUFFIXES", "Document", "Utterance", "assemble", "read_document"]
