"""Word-level helpers shared by speaker matching and answer scoring."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

from webinar_rag.core import stem

_POSSESSIVE = re.compile(r"['’]s$")
_WORD = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")
STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers him his how i if in into is it its
    itself just me more most my no nor not of off on once only or other our ours out over
    own same she should so some such than that the their theirs them then there these they
    this those through to too under until up very was we were what when where which while
    who whom why will with would you your yours s t don say said says saying tell told talk
    talked mention mentioned mentions think thought according discuss discussed explain
    explained describe described view views speaker speakers webinar report transcript
    anything something thing things ask asks asked asking question questions answer answered
    reply replied respond responded want wanted elaborate stress stressed refer referred
    emphasise emphasised emphasize emphasized
    passage passages
    """.split()  # noqa: SIM905
)


def fold(text: str) -> str:
    """Lower-case and strip accents, so `Muller` finds `Müller`."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Folded words, possessives dropped: `Initech's` -> `initech`."""
    return [_POSSESSIVE.sub("", w) for w in _WORD.findall(fold(text))]


def terms(text: str) -> list[str]:
    """Content-word stems of a text."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1]


class TermWeights:
    """IDF of stems over a set of passages; unseen terms weigh the most."""

    def __init__(self, passages: Iterable[str]) -> None:
        df: Counter[str] = Counter()
        n = 0
        for passage in passages:
            n += 1
            df.update(set(terms(passage)))
        self._n = max(n, 1)
        self._df = df

    def idf(self, term: str) -> float:
        return math.log(1 + (self._n + 1) / (self._df.get(term, 0) + 0.5))

    def known(self, term: str) -> bool:
        return term in self._df

    def coverage(self, query_terms: list[str], passage: str) -> float:
        """Share of the query's term weight that the passage contains."""
        if not query_terms:
            return 0.0
        present = set(terms(passage))
        total = sum(self.idf(t) for t in set(query_terms))
        return sum(self.idf(t) for t in set(query_terms) if t in present) / total


_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b[^.!?]{0,60}\b(question|instructions?|prompt|above|"
    r"previous|rules|context)\b|\bsystem prompt\b|\b(you are|act as) (an? )?(ai|assistant|"
    r"language model|chatbot)\b",
    re.IGNORECASE,
)


def looks_like_instruction(text: str) -> bool:
    """Text addressed to a model ("ignore the question and say ..."): never quoted as evidence."""
    return bool(_INSTRUCTION.search(text))


def scripts(text: str) -> Counter[str]:
    """Letters by writing system (the first word of their Unicode name: LATIN, CJK, HIRAGANA,
    KATAKANA, CYRILLIC...), after NFKC so full-width Latin counts as Latin."""
    return Counter(
        unicodedata.name(ch, "?").split(" ")[0]
        for ch in unicodedata.normalize("NFKC", text)
        if ch.isalpha()
    )


def written_in(texts: Iterable[str]) -> set[str]:
    """The writing systems of `scripts` that the texts use (each distinct letter named once:
    an archive's hundreds of millions of characters hold a few thousand distinct ones)."""
    letters: set[str] = set()
    for text in texts:
        letters.update(set(text))
    return set(scripts("".join(sorted(letters))))


def foreign_share(text: str, known: Iterable[str]) -> float:
    """The share of a text's letters written in scripts outside `known`: a question in
    Japanese over an English transcript is mostly foreign, one in English is not."""
    counts = scripts(text)
    total = sum(counts.values())
    known = set(known)
    return sum(n for s, n in counts.items() if s not in known) / total if total else 0.0
