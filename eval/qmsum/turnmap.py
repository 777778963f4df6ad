"""Where each QMSum turn sits in the text the index holds, so a hit's character span can be
scored against evidence given as turn numbers.

The json reader merges consecutive turns of one speaker into one `Turn` and leaves a mark
(`Turn.marks`) where each of them begins; a turn made of one QMSum turn has no marks and
begins where its words do. So the document's k-th cue is the k-th QMSum turn with words,
and it runs to the next cue (less the space that joins them) or to the end of its turn.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from eval.errors import DatasetError
from webinar_rag.core import Source


def cue_spans(source: Source) -> list[tuple[int, int]]:
    """The character span of every cue of a document read from cues, in text order."""
    spans = []
    for turn in source.turns:
        if not turn.paragraphs:
            continue
        starts = [m[0] for m in turn.marks] or [turn.paragraphs[0][0]]
        ends = [*starts[1:], turn.paragraphs[-1][1]]
        for start, end in zip(starts, ends, strict=True):
            while end > start and source.text[end - 1].isspace():
                end -= 1
            spans.append((start, end))
    return spans


@dataclass(frozen=True)
class TurnMap:
    """The QMSum turns of one meeting, each with its span of the indexed text."""

    meeting: str  # the document's file name
    turns: tuple[int, ...]  # QMSum turn indices, in text order
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def of(cls, source: Source, spoken: Sequence[int]) -> TurnMap:
        """`spoken`: the QMSum indices of the meeting's turns with words, in order."""
        spans = cue_spans(source)
        if len(spans) != len(spoken):
            raise DatasetError(
                f"{source.name}: the index holds {len(spans)} turns, the QMSum file {len(spoken)} "
                "turns with words. The json reader and this benchmark disagree on which turns "
                "have words; check `eval.qmsum.data.has_words` against the reader."
            )
        return cls(
            source.name, tuple(spoken), tuple(s for s, _ in spans), tuple(e for _, e in spans)
        )

    def touched(self, start: int, end: int) -> frozenset[int]:
        """The QMSum turns whose text overlaps `text[start:end]`."""
        first = bisect_right(self.ends, start)  # the first turn ending after `start`
        last = bisect_left(self.starts, end)  # the turns starting before `end`
        return frozenset(self.turns[first:last])
