"""From scored sentences to the quotes an answer shows, and how it writes them.

- Which: the best sentence and those close behind it; for a question about several speakers
  (it names two or more, or asks what "each", "both", "the speakers" or "the panel" said, or how
  they differ), the best sentence of each speaker close behind, one per speaker.
- How much: a sentence that leans on the one before it ("This...", "It...", "Hence...") brings
  that sentence along (one that only adds, "Also...", stands on its own); one that announces
  what follows (it ends with a colon), or is followed by its own consequence ("Hence...",
  "For example..."), brings the next. The quote is then the verbatim span of both.
- How written: each quote followed by `[n]`; when the question asks who, and for answers
  grouped by speaker, each quote is introduced by its speaker's name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from webinar_rag.core import Chunk, Sentence, normalise
from webinar_rag.store import Store

_LEANS_BACK = re.compile(  # refers back (this, it, such) or draws a consequence (hence)
    r"^[\"“‘'(]*(this|that|these|those|it|its|they|their|them|he|she|his|her|such|hence|"
    r"therefore|thus|so|as a result|in this way|this way|to this end|for this reason|"
    r"because of this|which)\b",
    re.IGNORECASE,
)
_FOLLOWS_ON = re.compile(
    r"^[\"“‘'(]*(hence|therefore|thus|as a result|that is why|this is why|this means|"
    r"in other words|namely|specifically|for example|for instance|in particular)\b",
    re.IGNORECASE,
)
_ACROSS_SPEAKERS = re.compile(
    r"\b(each|both|all the speakers|the speakers|speakers|the panel|panell?ists|participants|"
    r"everyone|differ|differs|difference|differences|different|compare|compared|comparison|"
    r"agree|agreed|disagree|disagreed|contrast|versus|vs)\b|それぞれ|両者|違い|比較",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Scored:
    chunk: Chunk
    sentence: Sentence
    score: float


@dataclass(frozen=True)
class Quote:
    """A verbatim span (one sentence, or two that belong together) of one chunk's turn."""

    chunk: Chunk
    start: int
    end: int
    kinds: frozenset[str]

    @property
    def sentence(self) -> Sentence:
        return Sentence(self.start, self.end, False, self.kinds)

    def overlaps(self, other: Quote) -> bool:
        return (
            self.chunk.source == other.chunk.source
            and self.start < other.end
            and other.start < self.end
        )


def about_several_speakers(question: str, named: Sequence[str]) -> bool:
    return len(named) >= 2 or bool(_ACROSS_SPEAKERS.search(question))


def choose(
    scored: Sequence[Scored], named: Sequence[str], several: bool, margin: float, most: int
) -> list[Scored]:
    """The best sentence and its close runners-up (within `margin`, at most `most`); for a
    question about several speakers, one sentence per speaker instead: each named speaker's
    best, or, if it names fewer than two, each speaker's best within `margin` of the top."""
    best = scored[0]
    if several:
        speakers = list(named) if len(named) >= 2 else []
        if not speakers:
            for s in scored:
                if s.score < best.score - margin:
                    break
                if s.chunk.speaker and s.chunk.speaker not in speakers:
                    speakers.append(s.chunk.speaker)
        chosen = [
            next(s for s in scored if s.chunk.speaker == who)
            for who in speakers
            if any(s.chunk.speaker == who for s in scored)
        ]
        if len(chosen) >= 2:
            return chosen[: max(most, len(named))]
    chosen = [best]
    for s in scored[1:]:
        if len(chosen) >= most or s.score < best.score - margin:
            break
        chosen.append(s)
    return chosen


class Context:
    """Each sentence's neighbours within its paragraph, for widening a quote, and a chunk that
    holds both (chunks overlap by a sentence, so two neighbours always share one)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        holders: dict[tuple[str, int, int], Chunk] = {}  # (source, start, next start) -> chunk
        groups: dict[tuple[str, int], dict[int, Sentence]] = {}
        for c in store.chunks:
            groups.setdefault((c.source, c.turn_index), {}).update(
                {s.start_char: s for s in c.sentences}
            )
            for a, b in zip(c.sentences, c.sentences[1:], strict=False):
                holders.setdefault((c.source, a.start_char, b.start_char), c)
        self._holders = holders
        self._around: dict[tuple[str, int], tuple[Sentence | None, Sentence | None]] = {}
        for (source, turn), sentences in groups.items():
            ordered = [sentences[k] for k in sorted(sentences)]
            spans = store.sources[source].turns[turn].paragraphs if source in store.sources else ()

            def paragraph(s: Sentence, spans: tuple[tuple[int, int], ...] = spans) -> int:
                return next((i for i, (a, b) in enumerate(spans) if a <= s.start_char < b), -1)

            for i, s in enumerate(ordered):
                before = ordered[i - 1] if i > 0 else None
                after = ordered[i + 1] if i + 1 < len(ordered) else None
                here = paragraph(s)
                self._around[(source, s.start_char)] = (
                    before if before is not None and paragraph(before) == here else None,
                    after if after is not None and paragraph(after) == here else None,
                )

    def widen(self, s: Scored) -> Quote:
        text = self.store.sources[s.chunk.source].text
        source = s.chunk.source
        before, after = self._around.get((source, s.sentence.start_char), (None, None))
        first = last = s.sentence
        kinds = s.sentence.kinds
        if before is not None and not before.asks and _LEANS_BACK.match(text[first.start_char :]):
            first, kinds = before, kinds | before.kinds
        elif (
            after is not None
            and not after.asks
            and (
                text[first.start_char : first.end_char].rstrip().endswith(":")
                or _FOLLOWS_ON.match(text[after.start_char : after.end_char])
            )
        ):
            last, kinds = after, kinds | after.kinds
        chunk = (
            s.chunk
            if first is last
            else self._holders.get((source, first.start_char, last.start_char), s.chunk)
        )
        if not chunk.start_char <= first.start_char <= last.end_char <= chunk.end_char:
            first = last = s.sentence  # no chunk holds both: quote the sentence alone
            chunk, kinds = s.chunk, s.sentence.kinds
        return Quote(chunk, first.start_char, last.end_char, kinds)


def widened(chosen: Sequence[Scored], context: Context) -> list[Quote]:
    """The chosen sentences as quotes; one that overlaps an earlier quote is dropped."""
    quotes: list[Quote] = []
    for s in chosen:
        quote = context.widen(s)
        if not any(quote.overlaps(q) for q in quotes):
            quotes.append(quote)
    return quotes


def write(
    quotes: Sequence[tuple[int, Quote, str]],
    by_speaker: bool,
    responsible: Mapping[int, str] | None = None,
    task: bool = False,
) -> str:
    """The answer text: `quote [n]` each; with `by_speaker`, `Speaker: quote [n]`, one line
    each when there are several speakers. For a question about who will do something, a quote
    that shows it is introduced by that person (`responsible`: citation number -> "Ana (asked
    by Ben)"); when none does, the answer says so before the quotes."""
    responsible = responsible or {}
    lines = []
    for n, quote, text in quotes:
        who = responsible.get(n) or quote.chunk.speaker or "Document"
        lines.append(
            f"{who}: {normalise(text)} [{n}]" if by_speaker else f"{normalise(text)} [{n}]"
        )
    several = by_speaker and len({q.chunk.speaker for _, q, _ in quotes}) > 1
    text = ("\n" if several else " ").join(lines)
    if task and not responsible:
        return f"{UNSETTLED}\n{text}"
    return text


UNSETTLED = "These words do not settle who will do it:"
