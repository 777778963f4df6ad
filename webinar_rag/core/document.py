"""What a transcript is once read: its text, and the turns of that text.

A turn is a run of text with one owner, a speaker or the document itself; it knows where it sits
in the recording or on the page when the format says so. A `Source` is a document as the index
keeps it: the text that every citation's offsets point into, and its turns.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

Span = tuple[int, int]  # [start, end) offsets into a document's text
# (offset into the source text, start_time, end_time, page): see Turn.marks.
Mark = tuple[int, float | None, float | None, int | None]


@dataclass(frozen=True)
class Turn:
    """A run of text with one owner: a speaker, or the document itself (speaker None)."""

    source: str
    index: int
    speaker: str | None
    affiliation: str | None
    start_char: int
    end_char: int
    # Content spans in reading order; markup (heading marks, bullets, emphasis) is outside them.
    # A paragraph broken by a page break is one span.
    paragraphs: tuple[Span, ...]
    # The speaker's heading line, for showing a passage in context.
    heading: Span | None = None
    # Where the turn sits in the recording (seconds) or the document (1-based page), for
    # formats that say so; None otherwise.
    start_time: float | None = None
    end_time: float | None = None
    page: int | None = None
    # Finer positions inside the turn, in text order: from `offset` on, the text comes from a
    # cue of `start_time`-`end_time` seconds, or lies on `page` (a turn merges many cues, and
    # may cross a page break).
    marks: tuple[Mark, ...] = ()

    @property
    def is_document(self) -> bool:
        return self.speaker is None

    def position(self, offset: int) -> Mark:
        """(offset, start_time, end_time, page) of the text at `offset` inside this turn: the
        last mark at or before it, else the turn's own."""
        found = (self.start_char, self.start_time, self.end_time, self.page)
        for mark in self.marks:
            if mark[0] > offset:
                break
            found = mark
        return found


@dataclass(frozen=True)
class Source:
    """A transcript as indexed: the text that citation offsets point into, and its turns."""

    name: str  # the file name: unique in an index, and how citations name the document
    sha256: str  # of the file's bytes
    text: str
    turns: tuple[Turn, ...]
    title: str = ""  # from the file's metadata, first heading or name
    format: str = "report"  # the reader that read it
    path: str | None = None  # where it was read from (an ingest re-reads it if it changed)

    @property
    def label(self) -> str:
        """How people see the document: its title, else its file name."""
        return self.title or self.name

    def turn_at(self, start: int, end: int) -> Turn | None:
        """The turn that holds the span `text[start:end]` whole, if any."""
        return next((t for t in self.turns if t.start_char <= start and end <= t.end_char), None)

    def start_time_of(self, start: int, end: int) -> float | None:
        """When the span `text[start:end]` starts in the recording, if the document has times."""
        turn = self.turn_at(start, end)
        return None if turn is None else turn.position(start)[1]

    def to_record(self) -> dict[str, Any]:
        """The JSON form both stores keep."""
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Source:
        turns = tuple(
            Turn(
                **{
                    **t,
                    "paragraphs": tuple(tuple(p) for p in t["paragraphs"]),
                    "heading": tuple(t["heading"]) if t["heading"] else None,
                    "marks": tuple(tuple(m) for m in t.get("marks", ())),
                }
            )
            for t in record["turns"]
        )
        return cls(**{**record, "turns": turns})
