"""The speaker and document filters that the chat, the search tab and the API share: their
choices (read from the live index), the values they pass on, and what to say when a filtered
question finds nothing."""

from __future__ import annotations

from typing import Any

from retrieval import Assistant, checked_k
from webinar_rag.core import DOCUMENT

ALL = "all"  # "everyone" / "every document" in both dropdowns (DOCUMENT is retrieval's value)
Choices = list[tuple[str, str]]


def speaker_choices(assistant: Assistant) -> Choices:
    """Everyone who speaks in any document, by name, and the text that is no one's."""
    names = sorted(assistant.speakers.names, key=str.casefold)
    return [
        ("All speakers", ALL),
        *((n, n) for n in names),
        ("No speaker: titles and notes", DOCUMENT),
    ]


def document_choices(assistant: Assistant) -> Choices:
    """Documents by title (value: the file name); a title two documents share gets its file
    name added, so the two can be told apart."""
    sources = sorted(assistant.store.sources.values(), key=lambda s: (s.label.casefold(), s.name))
    labels = [s.label for s in sources]
    return [("All documents", ALL)] + [
        (s.label if labels.count(s.label) == 1 else f"{s.label} ({s.name})", s.name)
        for s in sources
    ]


def kept(value: str | None, choices: Choices) -> str:
    """A dropdown's value after its choices changed: the same, if it is still offered."""
    return value if value in {v for _, v in choices} else ALL


def chosen(value: str | None) -> str | None:
    """A dropdown's or API caller's value -> the filter for `Assistant` (None: no filter)."""
    return None if value in (None, "", ALL) else value


def options(speaker: str | None, document: str | None, k: float | None) -> dict[str, Any]:
    """The keyword options of `Assistant.ask/stream/search` for a form's values (a k of 0
    or None: the configured default)."""
    return {"speaker": chosen(speaker), "document": chosen(document), "k": int(k or 0) or None}


def api_options(speaker: str | None, document: str | None, k: int | None) -> dict[str, Any]:
    """The same for an API caller, whose k is checked as given (0 is not the default there);
    an `InvalidTopK` says what k may be."""
    return {**options(speaker, document, None), "k": checked_k(k)}


def filtered_notice(assistant: Assistant, speaker: str | None, document: str | None) -> str:
    """What a refusal under a filter says: which filter narrowed the search, and the way out."""
    who, doc = chosen(speaker), chosen(document)
    if doc is not None:
        doc = f"“{assistant.store.sources[assistant.store.document_named(doc)].label}”"
    if who is None:
        return f"Only {doc} was searched; choose All documents to search them all." if doc else ""
    words = "the text no one speaks was" if who == DOCUMENT else f"the words of {who} were"
    if doc is None:
        return f"Only {words} searched; choose All speakers to search everyone."
    subject, verb = words.rsplit(" ", 1)
    return (
        f"Only {subject} in {doc} {verb} searched; choose All speakers and All documents "
        "to search everything."
    )
