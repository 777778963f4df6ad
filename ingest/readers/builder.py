"""Turns from spans of a text that is already written: the file's own text (logs) or one a
reader wrote from a document's paragraphs (Word, PDF).

`assemble` writes its own text; these formats keep their headings, paragraphs and page breaks,
so their turns are built here from spans, in reading order, by the rules `parse_transcript`
follows: a speaker heading opens that speaker's turn (or goes on with it, when the same
speaker speaks again), words join the current turn, document text (titles, unattributed
lines) is a turn of its own with no speaker.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from webinar_rag.core import Mark, Span, Turn


@dataclass
class _Open:
    speaker: str | None
    affiliation: str | None
    start: int
    heading: Span | None
    page: int | None
    start_time: float | None
    paragraphs: list[Span] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)


class TurnBuilder:
    """Collects headings and word spans; `turns()` gives the finished, numbered turns."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._done: list[_Open] = []
        self._open: _Open | None = None
        self._owner: tuple[str, str | None, Span | None] | None = None
        self._pending: float | None = None  # a heading's time, for the words that follow it

    def speaker(
        self,
        name: str,
        heading: Span,
        *,
        affiliation: str | None = None,
        label: Span | None = None,
        time: float | None = None,
        page: int | None = None,
        start: int | None = None,
    ) -> None:
        """A heading names `name`: later words are theirs. `label`, when given, is a span of the
        heading kept as the turn's first paragraph (a report's name-and-role line); `start` is
        where the turn starts, when markup comes before the heading (a log's `[00:01]`)."""
        same = (
            self._open is not None
            and self._open.speaker == name
            and self._open.affiliation == affiliation
        )
        if not same:
            self._close()
            first = heading[0] if start is None else start
            self._open = _Open(name, affiliation, first, heading, page, time)
        self._owner = (name, affiliation, heading)
        self._pending = time
        if label is not None and label[1] > label[0]:
            self.words(label, page=page)

    def document(self, span: Span, *, page: int | None = None) -> None:
        """Text that belongs to the document (a title, a heading that names no one): its own
        turn with no speaker; the speaker before it goes on after it."""
        owner = self._owner
        self._owner = None
        self.words(span, page=page)
        self._close()
        self._owner = owner

    def words(
        self,
        span: Span,
        *,
        joined: bool = False,
        time: float | None = None,
        end_time: float | None = None,
        page: int | None = None,
        marks: tuple[Mark, ...] = (),
    ) -> None:
        """Words of the current speaker (or unattributed text, before any speaker). `joined`
        extends the last paragraph to `span`'s end (a wrapped line); `marks` are positions
        inside the span (a page break within a paragraph)."""
        if span[1] <= span[0]:
            return
        name, affiliation, heading = self._owner or (None, None, None)
        turn = self._open
        if turn is None or turn.speaker != name or turn.affiliation != affiliation:
            self._close()
            turn = self._open = _Open(name, affiliation, span[0], heading, page, time)
        if self._pending is not None:
            time, self._pending = self._pending if time is None else time, None
        if joined and turn.paragraphs:
            turn.paragraphs[-1] = (turn.paragraphs[-1][0], span[1])
        else:
            turn.paragraphs.append(span)
        if turn.start_time is None:
            turn.start_time = time
        if turn.page is None:
            turn.page = page
        last_page = next((m[3] for m in reversed(turn.marks) if m[3] is not None), turn.page)
        if time is not None or end_time is not None or (page is not None and page != last_page):
            turn.marks.append((span[0], time, end_time, page))
        turn.marks.extend(marks)

    def _close(self) -> None:
        if self._open is not None and self._open.paragraphs:
            self._done.append(self._open)
        self._open = None

    def turns(self) -> tuple[Turn, ...]:
        self._close()
        found: list[Turn] = []
        for t in self._done:
            ends = [m[2] for m in t.marks if m[2] is not None]
            turn = Turn(
                source=self.source,
                index=len(found),
                speaker=t.speaker,
                affiliation=t.affiliation,
                start_char=min(t.start, t.paragraphs[0][0]),
                end_char=t.paragraphs[-1][1],
                paragraphs=tuple(t.paragraphs),
                heading=t.heading if t.speaker else None,
                start_time=t.start_time,
                end_time=max(ends) if ends else None,
                page=t.page,
                marks=tuple(sorted(set(t.marks))),
            )
            found.append(replace(turn, marks=_useful(turn)))
        return tuple(found)


def _useful(turn: Turn) -> tuple[Mark, ...]:
    """Marks that say something the turn does not already say."""
    own = (turn.start_time, turn.end_time, turn.page)
    marks = turn.marks
    if len(marks) == 1 and marks[0][0] == turn.paragraphs[0][0] and marks[0][1:] == own:
        return ()
    return marks
