"""The reader contract: a file in, a `Document` in the speaker-turn model out.

Every format (a Markdown report, a captions file, diarised ASR JSON, a Word or PDF document)
becomes the same thing: a text that citation offsets point into, and the turns of that text,
each with its speaker and, where the format has them, times and pages. The index stores the
text, so a quote is always checkable against it.

Formats given as cues or segments (captions, ASR, speaker-prefixed logs) go through
`assemble`: consecutive cues of one speaker merge into one turn, written as one
`Speaker: words` paragraph, with a mark per cue so each quote keeps its own time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from webinar_rag.core import Mark, TranscriptFormatError, Turn

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Utterance:
    """One cue, segment or paragraph as a format gives it."""

    speaker: str | None
    text: str
    start_time: float | None = None  # seconds from the start of the recording
    end_time: float | None = None
    page: int | None = None  # 1-based
    affiliation: str | None = None


@dataclass(frozen=True)
class Document:
    """A transcript read into the speaker-turn model."""

    name: str  # the file's name: how citations name the document (unique in a corpus)
    title: str  # from the file's metadata, its first heading, or its name
    format: str  # the reader that read it
    text: str  # what turn and citation offsets point into; stored in the index
    turns: tuple[Turn, ...]
    encoding: str | None = None  # for text formats, the encoding the bytes were decoded with
    notes: tuple[str, ...] = ()  # what ingest tells the user about this file

    @property
    def speakers(self) -> list[str]:
        """The speakers, in order of first appearance."""
        return list(dict.fromkeys(t.speaker for t in self.turns if t.speaker))


class Reader(Protocol):
    """One format. `read` raises `TranscriptFormatError` naming the file and the fix."""

    name: str  # what `--format NAME` says
    suffixes: tuple[str, ...]  # lower-case file name endings it reads (".vtt")

    def sniff(self, head: str) -> bool:
        """For text formats: does the start of a file's text look like this format?"""
        ...

    def read(self, path: Path, data: bytes) -> Document: ...


NO_SPEAKERS = "no speakers recognised: ingested as unattributed text"


def fold_space(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def assemble(
    utterances: Iterable[Utterance],
    *,
    name: str,
    title: str,
    format: str,
    encoding: str | None = None,
    notes: Iterable[str] = (),
) -> Document:
    """Merge consecutive utterances of one speaker into turns and write the document's text:
    one `Speaker: words` paragraph a turn (only the words for text with no speaker), paragraphs
    separated by a blank line. The name is the turn's heading; the words are its one paragraph;
    each utterance leaves a mark at its first character with its times and page."""
    groups: list[list[Utterance]] = []
    for u in utterances:
        text = fold_space(u.text)
        if not text:
            continue
        u = Utterance(
            fold_space(u.speaker) if u.speaker and u.speaker.strip() else None,
            text,
            u.start_time,
            u.end_time,
            u.page,
            fold_space(u.affiliation) if u.affiliation else None,
        )
        if groups and groups[-1][0].speaker == u.speaker and u.speaker is not None:
            groups[-1].append(u)
        else:
            groups.append([u])
    parts: list[str] = []
    turns: list[Turn] = []
    pos = 0
    for group in groups:
        first = group[0]
        label = f"{first.speaker}: " if first.speaker else ""
        start = pos
        pos += len(label)
        marks: list[Mark] = []
        words: list[str] = []
        for u in group:
            if words:
                pos += 1  # the space that joins two cues
            marks.append((pos, u.start_time, u.end_time, u.page))
            words.append(u.text)
            pos += len(u.text)
        body = " ".join(words)
        parts.append(label + body)
        body_start = start + len(label)
        times = [u.start_time for u in group if u.start_time is not None]
        ends = [u.end_time for u in group if u.end_time is not None]
        turns.append(
            Turn(
                source=name,
                index=len(turns),
                speaker=first.speaker,
                affiliation=first.affiliation,
                start_char=start,
                end_char=pos,
                paragraphs=((body_start, pos),),
                heading=(start, start + len(first.speaker)) if first.speaker else None,
                start_time=min(times) if times else None,
                end_time=max(ends) if ends else None,
                page=first.page,
                marks=tuple(marks) if len(group) > 1 or marks[0][1:] != (None, None, None) else (),
            )
        )
        pos += 2  # the blank line between turns
    text = "\n\n".join(parts)
    if not turns:
        raise TranscriptFormatError(
            f"{name} holds no text to index. Check that it is a transcript, or remove it."
        )
    found_notes = list(notes)
    if not any(t.speaker for t in turns):
        found_notes.append(NO_SPEAKERS)
    return Document(name, title, format, text, tuple(turns), encoding, tuple(found_notes))


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Text and the encoding that read it: UTF-8 (with or without a byte-order mark), then
    cp1252 (Windows' Western default, which also reads Latin-1 text). Line ends become \\n."""
    if not data.strip():
        raise TranscriptFormatError(f"{name} is empty. Put a transcript in it or remove it.")
    if b"\x00" in data:
        raise TranscriptFormatError(
            f"{name} is a binary file, not a transcript in a supported format. Convert it to "
            "text, or give it its format's extension (.vtt, .srt, .json, .docx, .pdf)."
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        name_used = (
            "utf-8"
            if encoding == "utf-8-sig" and not data.startswith(b"\xef\xbb\xbf")
            else "utf-8 with BOM"
            if encoding == "utf-8-sig"
            else encoding
        )
        return text.replace("\r\n", "\n").replace("\r", "\n"), name_used
    raise TranscriptFormatError(f"{name} is neither UTF-8 nor cp1252 text. Re-save it as UTF-8.")
