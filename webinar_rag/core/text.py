"""Text as every layer reads it: sentences with exact offsets, normalised chunk text, stems.

`split_sentences` is the one sentence splitter: ingest cuts chunks with it, and the verifier
splits an LLM's reply into claims with it, so both see the same sentences. Questions and
requests are marked `asks` (they ask, they do not state).
"""

from __future__ import annotations

import re
import threading

import Stemmer

from webinar_rag.core.chunks import Sentence

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
_local = threading.local()


def normalise(text: str) -> str:
    """The documented normalisation from a source slice to chunk text."""
    return _SPACE.sub(" ", _MARKUP.sub("", text)).strip()


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


def stem(word: str) -> str:
    """The Snowball (Porter 2) stem: `enforce` and `enforcement` both become `enforc`."""
    return str(stemmer().stemWord(word))


def stemmer() -> Stemmer.Stemmer:
    """PyStemmer's Snowball stemmer; one per thread (its objects are not thread-safe)."""
    if not hasattr(_local, "stemmer"):
        _local.stemmer = Stemmer.Stemmer("english")
    return _local.stemmer
