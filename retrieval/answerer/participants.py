"""How a participant is named in the words: an anonymised placeholder (`[PERSON2]`,
`Speaker 3`) or the words of a speaker's name."""

from __future__ import annotations

import re

from webinar_rag.store import Store

# An anonymised participant: [PERSON2], SPEAKER_1, Speaker 3 (the label without its brackets).
PLACEHOLDER = r"\[?(?P<label>(?:PERSON|SPEAKER|Speaker)\s?_?\d{1,3})\]?"
# A word of a name ("O'Neill", "Jean-Luc").
NAME_WORD = re.compile(r"[\w'’\-]+")
_PLACEHOLDER = re.compile(PLACEHOLDER)


def people_of(store: Store) -> frozenset[str]:
    """Every word of every speaker's name, lowercased: who an assignment can name."""
    return frozenset(
        word.lower()
        for source in store.sources.values()
        for turn in source.turns
        if turn.speaker
        for word in NAME_WORD.findall(turn.speaker)
    )


def mentions(text: str, people: frozenset[str]) -> bool:
    """The text names a participant: a placeholder, or a capitalised word of a name."""
    return _PLACEHOLDER.search(text) is not None or any(
        w[0].isupper() and w.lower() in people for w in NAME_WORD.findall(text)
    )
