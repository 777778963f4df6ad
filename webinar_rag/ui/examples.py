"""Example questions read from the loaded index, so they fit whatever corpus is served.

"What did <speaker> say about <topic>?" for the speakers of as many documents as there are
examples (each document's most talkative speaker first, then the second ones), each with a
word that marks their turns: frequent in what they say (at least twice), rare across the
index's chunks (idf), and mostly theirs rather than everyone's (a word every speaker uses is
a function word, whatever the language). A lower-case singular noun takes "the" ("about the
bill"); plurals, names and abstract nouns do not ("about penalties", "about Fujitsu", "about
cooperation"). Plain term statistics over the chunks, ties broken alphabetically: the same
index always gives the same questions.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from webinar_rag.store import Store

WORD = re.compile(r"[^\W\d_]{4,}")  # letters only, at least four: short words rarely name a topic
# Endings of nouns English uses without an article: "about cooperation", "about governance".
BARE = re.compile(r"(?:s|ion|ment|ness|ity|ism|ance|ence|ing|cy|ics)$")
MOST = 4  # examples shown
OWN_SHARE = 0.6  # a speaker's word: at least this share of its uses are theirs


def example_questions(index: Store, most: int = MOST) -> list[str]:
    """Up to `most` questions about the index's speakers (about its topics, when it has fewer
    speakers than that)."""
    chunks = index.chunks
    df: Counter[str] = Counter()
    by_speaker: defaultdict[str, Counter[str]] = defaultdict(Counter)
    in_document: defaultdict[str, Counter[str]] = defaultdict(Counter)  # speaker -> words there
    forms: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for chunk in chunks:
        found = WORD.findall(chunk.text)
        for word in found:
            forms[word.casefold()][word] += 1
        folded = [w.casefold() for w in found]
        df.update(set(folded))
        if chunk.speaker:
            by_speaker[chunk.speaker].update(folded)
            in_document[chunk.speaker][chunk.source] += len(folded)
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
    for speaker in _across_documents(by_speaker, in_document):
        word = topic(by_speaker[speaker], used, least=2)
        if word is not None and len(questions) < most:
            used.add(word)
            questions.append(f"What did {speaker} say about {_phrase(forms[word])}?")
    while len(questions) < most:  # few speakers, or none: the index's own topics
        word = topic(everyone, used, least=2)
        if word is None:
            break
        used.add(word)
        questions.append(f"What is said about {_phrase(forms[word])}?")
    return questions


def _across_documents(
    by_speaker: dict[str, Counter[str]], in_document: dict[str, Counter[str]]
) -> list[str]:
    """Speakers in turn by document: every document's most talkative speaker (documents in
    order of that speaker's words), then every document's second, and so on; a speaker
    belongs to the document they say most in."""
    words = {s: sum(c.values()) for s, c in by_speaker.items()}
    home = {s: min(d, key=lambda doc: (-d[doc], doc)) for s, d in in_document.items()}
    rank: dict[str, int] = {}
    for document in set(home.values()):
        theirs = sorted((s for s in home if home[s] == document), key=lambda s: (-words[s], s))
        rank.update({s: n for n, s in enumerate(theirs)})
    return sorted(by_speaker, key=lambda s: (rank.get(s, 0), -words[s], s))


def _phrase(forms: Counter[str]) -> str:
    """The topic as a question says it: "the bill", but "penalties", "Fujitsu",
    "cooperation"."""
    word = _surface(forms)
    return word if not word.islower() or BARE.search(word) else f"the {word}"


def _folded(text: str) -> Iterable[str]:
    return (w.casefold() for w in WORD.findall(text))


def _surface(forms: Counter[str]) -> str:
    """The way a word is most often written ("Fujitsu", "deregulation"); lower case on a tie,
    as a capital may only start a sentence."""
    return min(forms, key=lambda form: (-forms[form], not form.islower(), form))
