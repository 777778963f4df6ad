"""One identity per person within a document: `Dr. Okafor`, `OKAFOR` and `Ada Okafor` are one
speaker, `Ada Okafor`.

Captions and minutes name people inconsistently: a title here, capitals there, the surname
alone after the first mention. A name whose words (titles dropped, case and accents folded)
are all among the words of exactly one longer name of the same document is that person; names
with the same words are one person, written as first seen in its best-cased form. A short name
that fits two people ("John" beside "John Smith" and "John Doe") stays as it is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import replace

from webinar_rag.core import Turn

_TITLES = frozenset(
    {
        "dr", "mr", "mrs", "ms", "mx", "miss", "prof", "professor", "sir", "dame", "madam",
        "mme", "mlle", "herr", "frau", "san", "sama",
    }
)  # fmt: skip
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def name_words(name: str) -> frozenset[str]:
    """The folded words of a name, titles dropped: `Dr. Ada OKAFOR` -> {ada, okafor}."""
    folded = "".join(
        c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c)
    )
    words = [w for w in _WORD.findall(folded)]
    kept = [w for w in words if w not in _TITLES]
    return frozenset(kept or words)


def identities(names: Sequence[str]) -> dict[str, str]:
    """Each name -> the name of the person it denotes (itself when it stands alone)."""
    distinct = list(dict.fromkeys(names))
    words = {n: name_words(n) for n in distinct}
    canonical: dict[str, str] = {}
    for name in distinct:
        same = [m for m in distinct if words[m] == words[name]]
        longer = {
            frozenset(words[m]) for m in distinct if words[name] < words[m] and len(words[name])
        }
        if len(longer) == 1:
            (target,) = longer
            same = [m for m in distinct if words[m] == target]
        canonical[name] = _best_written(same)
    return canonical


def _best_written(names: Sequence[str]) -> str:
    """Of several spellings of one name: mixed case over ALL CAPS, then the first seen."""
    mixed = [n for n in names if not n.isupper()]
    return (mixed or list(names))[0]


def unify_speakers(turns: Sequence[Turn]) -> tuple[Turn, ...]:
    """The turns with each speaker written as their identity's name (and its affiliation,
    when a variant has none)."""
    names = [t.speaker for t in turns if t.speaker]
    mapping = identities(names)
    affiliation: dict[str, str] = {}
    for t in turns:
        if t.speaker and t.affiliation:
            affiliation.setdefault(mapping[t.speaker], t.affiliation)
    unified = []
    for t in turns:
        if t.speaker is None or (
            mapping[t.speaker] == t.speaker and (t.affiliation or not affiliation.get(t.speaker))
        ):
            unified.append(t)
            continue
        person = mapping[t.speaker]
        unified.append(
            replace(t, speaker=person, affiliation=t.affiliation or affiliation.get(person))
        )
    return tuple(unified)
