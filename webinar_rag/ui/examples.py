"""Example questions read from the loaded index, so they fit whatever corpus is served.

"What did <speaker> say about <topic>?" for the speakers with the most words, each with a
word that marks their turns: frequent in what they say (at least twice), rare across the
index's chunks (idf), and mostly theirs rather than everyone's (a word every speaker uses is
a function word, whatever the language). Plain term statistics over the chunks, no word list,
ties broken alphabetically: the same index always gives the same questions.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from webinar_rag.store import Store

WORD = re.compile(r"[^\W\d_]{4,}")  # letters only, at least four: short words rarely name a topic
MOST = 4  # examples shown
OWN_SHARE = 0.6  # a speaker's word: at least this share of its uses are theirs


def example_questions(index: Store, most: int = MOST) -> list[str]:
    """Up to `most` questions about the index's speakers (about its topics, when it has fewer
    speakers than that)."""
    chunks = index.chunks
    df: Counter[str] = Counter()
    by_speaker: defaultdict[str, Counter[str]] = defaultdict(Counter)
    forms: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for chunk in chunks:
        found = WORD.findall(chunk.text)
        for word in found:
            forms[word.casefold()][word] += 1
        folded = [w.casefold() for w in found]
        df.update(set(folded))
        if chunk.speaker:
            by_speaker[chunk.speaker].update(folded)
    everyone: Counter[str] = Counter(w for c in chunks for w in _folded(c.text))
    names = {w for c in chunks for w in _folded(f"{c.speaker or ''} {c.affiliation or ''}")}
    idf = {w: math.log((1 + len(chunks)) / n) for w, n in df.items()}  # > 0: a tiny index too

    def topic(counts: Counter[str], used: set[str], least: int) -> str | None:
        scored = [
            (-(n * idf[w] * n / everyone[w]), w)
            for w, n in counts.items()
            if n >= least and n / everyone[w] >= OWN_SHARE
            if w not in names and w not in used
        ]
        return min(scored)[1] if scored else None

    questions: list[str] = []
    used: set[str] = set()
    speakers = sorted(by_speaker, key=lambda s: (-sum(by_speaker[s].values()), s))
    for speaker in speakers:
        word = topic(by_speaker[speaker], used, least=2)
        if word is not None and len(questions) < most:
            used.add(word)
            questions.append(f"What did {speaker} say about {_surface(forms[word])}?")
    while len(questions) < most:  # few speakers, or none: the index's own topics
        word = topic(everyone, used, least=2)
        if word is None:
            break
        used.add(word)
        questions.append(f"What is said about {_surface(forms[word])}?")
    return questions


def _folded(text: str) -> Iterable[str]:
    return (w.casefold() for w in WORD.findall(text))


def _surface(forms: Counter[str]) -> str:
    """The way a word is most often written ("Fujitsu", "deregulation"); lower case on a tie,
    as a capital may only start a sentence."""
    return min(forms, key=lambda form: (-forms[form], not form.islower(), form))
