"""WebVTT captions (webvtt-py): `<v Name>` voices or `Name:` prefixes, cue times; the title
from the header (`WEBVTT - Title`, a `Title:` line) or a `NOTE Title: ...` block.

YouTube's automatic captions roll: each cue shows the line before again above the new words
(which carry `<00:05:04.199><c>` word times), and a 10 ms cue between shows the finished line
alone. Read as cues, every line would be indexed two or three times; so in a file with word
times a line is kept once, at the cue where its words are spoken."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from ingest.readers.base import Document, Utterance, assemble, decode, fold_space
from ingest.readers.cues import plain, speaker_lines
from webinar_rag.core import TranscriptFormatError

_VOICE = re.compile(r"<v(?:\.[\w.-]+)*[ \t]+(?P<name>[^>]+)>")
_WORD_TIME = re.compile(r"<(?:\d+:)?\d{2}:\d{2}\.\d{3}>")
_TITLE = re.compile(r"^\s*title\s*[:=]\s*(?P<title>\S.*?)\s*$", re.IGNORECASE | re.MULTILINE)


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
        for cue, raw in _spoken(captions.captions):
            start, end = (
                cue.start_time.in_milliseconds() / 1000,
                cue.end_time.in_milliseconds() / 1000,
            )
            for speaker, words in _voices(raw):
                utterances.append(Utterance(speaker, plain(words), start, end))
        if not utterances:
            raise TranscriptFormatError(
                f"{path.name} has a WEBVTT header but no cues. Export the captions again."
            )
        utterances.sort(key=lambda u: u.start_time or 0.0)
        return assemble(
            utterances,
            name=path.name,
            title=title_of(captions) or path.stem,
            format=self.name,
            encoding=encoding,
        )


def title_of(captions: Any) -> str | None:
    """The title the file gives itself: `WEBVTT - Title` (or `WEBVTT Title`), a `Title:` line
    of the header, or a `NOTE Title: ...` comment before the first cue."""
    header = (captions.header_text or "").strip().lstrip("-–: \t").strip()
    if header:
        return fold_space(header)
    for block in [*captions.metadata, *captions.header_comments]:
        found = _TITLE.search(block)
        if found:
            return fold_space(found["title"])
    return None


def _spoken(cues: list[Any]) -> Iterator[tuple[Any, str]]:
    """(cue, the lines it adds). Every line of every cue, unless the file has word times
    (rolling automatic captions): then a line that repeats one of the last two kept is the
    line before, shown again, not words spoken again."""
    if not any(_WORD_TIME.search(cue.raw_text) for cue in cues):
        yield from ((cue, cue.raw_text) for cue in cues)
        return
    recent: list[str] = []
    for cue in cues:
        fresh = []
        for line in cue.raw_text.split("\n"):
            words = fold_space(plain(line))
            if not words or words in recent:
                continue
            fresh.append(line)
            recent = [*recent, words][-2:]
        if fresh:
            yield cue, "\n".join(fresh)


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
