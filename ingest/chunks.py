"""Cut turns into sentence-aligned chunks that never cross from one speaker to another.

Every chunk and every sentence keeps `start_char`/`end_char` into the source text. A sentence's
text is exactly `source[start_char:end_char]`; a chunk's `text` is `normalise(source[start:end])`
(markdown marks dropped, white space folded), so a page break inside a paragraph reads as one
sentence.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ingest.settings import ChunkerSettings
from ingest.turns import Turn

_BOUNDARY = re.compile(r"[.!?][\"”’)\]]*(?=\s+[\"“'‘(\[]?[A-Z0-9À-Þ])")
_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "st",
    "vs",
    "etc",
    "e.g",
    "i.e",
    "no",
    "fig",
    "cf",
    "approx",
    "dept",
    "jr",
    "sr",
    "inc",
    "ltd",
    "co",
    "corp",
    "u.s",
    "u.k",
    "e.u",
    "a.m",
    "p.m",
}
_MARKUP = re.compile(r"(?m)^[ \t]*(?:#{1,6}[ \t]+|[-*+][ \t]+)|\*\*|(?<!\w)[*_]|[*_](?!\w)")
_SPACE = re.compile(r"\s+")
# A request is a question without a question mark: "(To Ms. X) Please share your views on ...".
# A paragraph addressed to someone ("(To Dr. X) ..."): a question and its premises.
_ADDRESSED = re.compile(r"\(\s*to\s+[^)]{1,60}\)", re.IGNORECASE)
_REQUEST = re.compile(r"(?:\([^)]*\)\s*)?(?:please|could you|would you|can you)\b", re.I)


@dataclass(frozen=True)
class Sentence:
    start_char: int
    end_char: int
    # Part of a question (the question itself or the premise leading up to it): it asks,
    # it does not state, so it is never quoted as evidence for a fact.
    asks: bool = False
    # The kinds of answer it holds ("PERSON", "ORG", "DATE", "NUMBER", "PLACE"): see
    # ingest.entities.
    kinds: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Chunk:
    id: str
    source: str
    turn_index: int
    speaker: str | None
    affiliation: str | None
    start_char: int
    end_char: int
    text: str
    sentences: tuple[Sentence, ...]

    def embedding_text(self, speaker_prefix: bool) -> str:
        """What the embedder sees: the speaker's name and role give the words their context."""
        if not speaker_prefix:
            return self.text
        who = ", ".join(p for p in (self.speaker, self.affiliation) if p) or "Document"
        return f"{who}: {self.text}"


def normalise(text: str) -> str:
    """The documented normalisation from a source slice to chunk text."""
    return _SPACE.sub(" ", _MARKUP.sub("", text)).strip()


def chunk_id(source: str, start: int, end: int) -> str:
    """Stable across re-ingests: a hash of where the text sits, not of when it was read."""
    return hashlib.sha256(f"{source}:{start}:{end}".encode()).hexdigest()[:16]


def split_sentences(text: str, start: int, end: int) -> list[Sentence]:
    """Sentences of `text[start:end]`; questions and requests are marked `asks`, and so is a
    question's premise in a paragraph addressed to someone ("(To Dr. X) ...")."""
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        stop = match.end()
        if text[match.start()] == "." and _is_abbreviation(text, cursor, match.start()):
            continue
        spans.append((cursor, stop))
        cursor = stop
        while cursor < end and text[cursor].isspace():
            cursor += 1
    if cursor < end:
        spans.append((cursor, end))
    spans = [(s, e) for s, e in spans if text[s:e].strip()]
    asking = [text[_last_mark(text, e)] == "?" or bool(_REQUEST.match(text, s)) for s, e in spans]
    if spans and _ADDRESSED.match(text, spans[0][0]):
        # "(To Dr. X) premise... premise... question?": the whole paragraph asks.
        last = max((i for i, a in enumerate(asking) if a), default=-1)
        asking = [i <= last for i in range(len(spans))]
    return [Sentence(s, e, asks=a) for (s, e), a in zip(spans, asking, strict=True)]


def _last_mark(text: str, end: int) -> int:
    """Index of the last punctuation mark of a sentence, skipping closing quotes/brackets."""
    i = end - 1
    while i > 0 and text[i] in '"”’)] \t\n':
        i -= 1
    return i


def _is_abbreviation(text: str, sentence_start: int, dot: int) -> bool:
    word_start = dot
    while word_start > sentence_start and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start:dot].lstrip("(\"“'‘").lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def turn_sentences(turn: Turn, text: str) -> list[Sentence]:
    return [s for p in turn.paragraphs for s in split_sentences(text, p[0], p[1])]


def chunk_turns(turns: Iterable[Turn], text: str, settings: ChunkerSettings) -> list[Chunk]:
    """Greedy sentence windows of at most `max_chars` (one long sentence may exceed it)."""
    chunks: list[Chunk] = []
    for turn in turns:
        sentences = turn_sentences(turn, text)
        for window in _windows(sentences, settings):
            start, end = window[0].start_char, window[-1].end_char
            chunks.append(
                Chunk(
                    id=chunk_id(turn.source, start, end),
                    source=turn.source,
                    turn_index=turn.index,
                    speaker=turn.speaker,
                    affiliation=turn.affiliation,
                    start_char=start,
                    end_char=end,
                    text=normalise(text[start:end]),
                    sentences=tuple(window),
                )
            )
    return chunks


def _windows(sentences: Sequence[Sentence], settings: ChunkerSettings) -> list[list[Sentence]]:
    windows: list[list[Sentence]] = []
    i = 0
    while i < len(sentences):
        j = i + 1
        while (
            j < len(sentences)
            and sentences[j].end_char - sentences[i].start_char <= settings.max_chars
        ):
            j += 1
        windows.append(list(sentences[i:j]))
        if j >= len(sentences):
            break
        i = max(j - settings.overlap_sentences, i + 1)
    return windows
