"""Find the speakers a question names: by name, surname, role or organisation."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ingest.turns import Turn
from retrieval.text import STOPWORDS, fold, words

ROLE_WORDS = ("moderator", "chair", "chairperson", "host", "facilitator", "presenter")
_AFFILIATION_SPLIT = re.compile(r"[,/;()]")


@dataclass(frozen=True)
class SpeakerProfile:
    name: str
    affiliation: str | None
    cues: tuple[str, ...]  # folded words or phrases that, found in a question, name this speaker


class SpeakerDirectory:
    """Built from the turns of an index; generic rules, no list of known people."""

    def __init__(self, turns: list[Turn], texts: dict[str, str]) -> None:
        people: dict[str, str | None] = {}
        intro: dict[str, str] = {}
        for t in turns:
            if t.speaker is None:
                continue
            people.setdefault(t.speaker, t.affiliation)
            heading = texts[t.source][t.heading[0] : t.heading[1]] if t.heading else ""
            first = texts[t.source][t.start_char : min(t.end_char, t.start_char + 200)]
            intro[t.speaker] = intro.get(t.speaker, "") + " " + heading + " " + first
        body = Counter(w for t in turns for w in words(_body(t, texts)))
        headings = {n: set(words(f"{n} {a or ''}")) for n, a in people.items()}
        owners = Counter(w for ws in headings.values() for w in ws)
        profiles = []
        for name, affiliation in people.items():
            cues: set[str] = {" ".join(words(name))}
            cues.update(w for w in words(name) if len(w) >= 3)
            for part in _AFFILIATION_SPLIT.split(affiliation or ""):
                phrase = " ".join(words(part))
                phrase = phrase.removeprefix("the ")
                if len(phrase.split()) >= 2:
                    cues.add(phrase)
            # A word of the heading that no one else's heading has and the talk never uses
            # (an employer like "Fujitsu", a title like "professor") points at this speaker.
            cues.update(
                w for w in headings[name]
                if owners[w] == 1 and body[w] == 0 and len(w) >= 4 and w not in STOPWORDS
            )
            for role in ROLE_WORDS:
                if role in words(intro[name]) and sum(role in words(v) for v in intro.values()) == 1:
                    cues.add(role)
            profiles.append(SpeakerProfile(name, affiliation, tuple(sorted(cues))))
        self.profiles = tuple(profiles)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.profiles]

    def named_in(self, question: str) -> list[str]:
        """Speakers the question names, in directory order."""
        folded = " " + " ".join(words(question)) + " "
        return [
            p.name for p in self.profiles
            if any(f" {cue} " in folded or f" {cue}s " in folded for cue in p.cues)
        ]

    def resolve(self, speaker: str) -> str | None:
        """An explicit filter given by a user (`--speaker Tsuda`) -> the full name, or None."""
        if fold(speaker).strip() in {"document", "none"}:
            return "document"
        matches = self.named_in(speaker)
        return matches[0] if len(matches) == 1 else None


def _body(turn: Turn, texts: dict[str, str]) -> str:
    return texts[turn.source][turn.start_char : turn.end_char]
