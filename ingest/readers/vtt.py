"""WebVTT captions (webvtt-py): `<v Name>` voices or `Name:` prefixes, cue times."""

from __future__ import annotations

import re
from pathlib import Path

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from ingest.readers.base import Document, Utterance, assemble, decode
from ingest.readers.cues import plain, speaker_lines
from webinar_rag.core import TranscriptFormatError

_VOICE = re.compile(r"<v(?:\.[\w.-]+)*[ \t]+(?P<name>[^>]+)>")


class VttReader:
    name: str = "vtt"
    suffixes: tuple[str, ...] = (".vtt",)

    def sniff(self, head: str) -> bool:
        return head.lstrip("\ufeff").startswith("WEBVTT")

    def read(self, path: Path, data: bytes) -> Document:
        text, encoding = decode(data, path.name)
        try:
            captions = webvtt.from_string(text)
        except (MalformedFileError, MalformedCaptionError) as exc:
            raise TranscriptFormatError(
                f"{path.name} is not valid WebVTT ({exc}). It must start with a WEBVTT line and "
                "each cue needs a 'HH:MM:SS.mmm --> HH:MM:SS.mmm' line: fix it or export the "
                "captions again."
            ) from exc
        utterances = []
        for cue in captions.captions:
            start, end = (
                cue.start_time.in_milliseconds() / 1000,
                cue.end_time.in_milliseconds() / 1000,
            )
            for speaker, words in _voices(cue.raw_text):
                utterances.append(Utterance(speaker, plain(words), start, end))
        if not utterances:
            raise TranscriptFormatError(
                f"{path.name} has a WEBVTT header but no cues. Export the captions again."
            )
        utterances.sort(key=lambda u: u.start_time or 0.0)
        return assemble(
            utterances, name=path.name, title=path.stem, format=self.name, encoding=encoding
        )


def _voices(raw: str) -> list[tuple[str | None, str]]:
    """(speaker, words) runs of one cue: a `<v Name>` tag names the words after it (up to the
    next one, across lines); otherwise a `Name:` prefix does."""
    runs: list[tuple[str | None, str]] = []
    speaker: str | None = None
    for line in raw.split("\n"):
        parts = _VOICE.split(line)  # words, name, words, name, words ...
        if len(parts) == 1:
            runs += speaker_lines([line], speaker)
            speaker = runs[-1][0] if runs else speaker
            continue
        if parts[0].strip():
            runs += speaker_lines([parts[0]], speaker)
        for name, words in zip(parts[1::2], parts[2::2], strict=True):
            speaker = " ".join(name.split())
            runs.append((speaker, words))
    merged: list[tuple[str | None, str]] = []
    for speaker, words in runs:
        if merged and merged[-1][0] == speaker:
            merged[-1] = (speaker, f"{merged[-1][1]}\n{words}")
        else:
            merged.append((speaker, words))
    return merged
