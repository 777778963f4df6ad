"""SubRip captions (the `srt` package): `Name:`, `[Name]` or `- Name:` prefixes, cue times.
Overlapping cues are read in order of their start time."""

from __future__ import annotations

from pathlib import Path

import srt

from ingest.readers.base import Document, Utterance, assemble, decode
from ingest.readers.cues import plain, speaker_lines
from webinar_rag.core import TranscriptFormatError


class SrtReader:
    name: str = "srt"
    suffixes: tuple[str, ...] = (".srt",)

    def sniff(self, head: str) -> bool:
        return "-->" in head[:500]

    def read(self, path: Path, data: bytes) -> Document:
        text, encoding = decode(data, path.name)
        try:
            cues = sorted(srt.parse(text), key=lambda c: (c.start, c.index))
        except srt.SRTParseError as exc:
            raise TranscriptFormatError(
                f"{path.name} is not valid SubRip ({exc}). Each cue needs a number, a "
                "'HH:MM:SS,mmm --> HH:MM:SS,mmm' line and its text, cues separated by a blank "
                "line: fix it or export the captions again."
            ) from exc
        if not cues:
            raise TranscriptFormatError(f"{path.name} holds no SubRip cues. Export it again.")
        utterances = [
            Utterance(speaker, plain(words), cue.start.total_seconds(), cue.end.total_seconds())
            for cue in cues
            for speaker, words in speaker_lines(cue.content.split("\n"))
        ]
        return assemble(
            utterances, name=path.name, title=path.stem, format=self.name, encoding=encoding
        )
