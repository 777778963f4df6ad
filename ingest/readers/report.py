"""Markdown or plain-text reports with speaker headings, read by `ingest.turns`."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.readers.base import NO_SPEAKERS, Document, decode
from ingest.readers.markdown import parse_transcript

_HASH_TITLE = re.compile(r"^#{1,6}[ \t]+(?P<title>.+?)[ \t#]*$", re.M)
_BOLD_TITLE = re.compile(r"^\*\*(?P<title>[^*\n]+?)\*\*", re.M)


class ReportReader:
    name: str = "report"
    suffixes: tuple[str, ...] = (".md", ".markdown", ".txt")

    def sniff(self, head: str) -> bool:
        """A report names its speakers in headings (bold lines, `## Name`, `Name, Role`)."""
        if not head.strip():
            return False
        return any(t.speaker for t in parse_transcript(head.replace("\r\n", "\n"), "head"))

    def read(self, path: Path, data: bytes) -> Document:
        text, encoding = decode(data, path.name)
        turns = tuple(parse_transcript(text, path.name))
        notes = () if any(t.speaker for t in turns) else (NO_SPEAKERS,)
        return Document(path.name, title(text, path), self.name, text, turns, encoding, notes)


def title(text: str, path: Path) -> str:
    """The first `#` heading, else the first bold line, else the file's stem."""
    for pattern in (_HASH_TITLE, _BOLD_TITLE):
        found = pattern.search(text)
        if found:
            words = found["title"].replace("**", "").strip(" *_:")
            if words:
                return words
    return path.stem
