"""SubViewer captions as YouTube exports them (`.sbv`): blocks of a `H:MM:SS.mmm,H:MM:SS.mmm`
line and the cue's text, separated by blank lines; `>> NAME:` or `Name:` prefixes name the
speaker, as in other captions."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.readers.base import Document, Utterance, assemble, decode
from ingest.readers.cues import plain, speaker_lines
from webinar_rag.core import TranscriptFormatError

_TIME = r"(\d+):(\d{1,2}):(\d{1,2})[.,](\d{1,3})"
_TIMES = re.compile(rf"^\s*{_TIME}\s*,\s*{_TIME}\s*$")
_BLANK = re.compile(r"\n[ \t]*\n")


class SbvReader:
    name: str = "sbv"
    suffixes: tuple[str, ...] = (".sbv",)

    def sniff(self, head: str) -> bool:
        return bool(_TIMES.match(head.lstrip("\ufeff").split("\n", 1)[0]))

    def read(self, path: Path, data: bytes) -> Document:
        text, encoding = decode(data, path.name)
        utterances = []
        for number, block in enumerate(_BLANK.split(text.lstrip("\ufeff").strip()), start=1):
            lines = block.strip("\n").split("\n")
            times = _TIMES.match(lines[0])
            if times is None:
                raise TranscriptFormatError(
                    f"{path.name} is not valid SubViewer: cue {number} starts with "
                    f"{lines[0][:60]!r}, not a 'H:MM:SS.mmm,H:MM:SS.mmm' line. Fix it or "
                    "download the captions again."
                )
            start, end = _seconds(times.groups()[:4]), _seconds(times.groups()[4:])
            for speaker, words in speaker_lines(lines[1:]):
                utterances.append(Utterance(speaker, plain(words), start, end))
        if not any(u.text.strip() for u in utterances):
            raise TranscriptFormatError(f"{path.name} holds no SubViewer cues. Export it again.")
        utterances.sort(key=lambda u: u.start_time or 0.0)
        return assemble(
            utterances, name=path.name, title=path.stem, format=self.name, encoding=encoding
        )


def _seconds(parts: tuple[str, ...]) -> float:
    h, m, s, ms = parts
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms.ljust(3, "0")) / 1000
