"""Find the speakers a question names: by name, surname, role or organisation."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass

from retrieval.names import romanised_words, sounds_like
from retrieval.text import STOPWORDS, fold, words
from webinar_rag.core import DOCUMENT, QuerySettings, Turn

TITLE_WORDS = frozenset(
    [
        "professor",
        "adviser",
        "advisor",
        "director",
        "chair",
        "chairman",
        "chairperson",
        "president",
        "minister",
        "ambassador",
        "secretary",
        "commissioner",
        "ceo",
        "cto",
        "cfo",
        "founder",
        "rapporteur",
    ]
)
ROLE_WORDS = ("moderator", "chair", "chairperson", "host", "facilitator", "presenter")
# "and"/"or" joining two names: English, and Japanese particles in romaji (と, や, および, または)
AND_WORDS = frozenset({"and", "or", "to", "ya", "oyobi", "mataha"})
_AFFILIATION_SPLIT = re.compile(r"[,/;()]")


@dataclass(frozen=True)
class SpeakerProfile:
    name: str
    affiliation: str | None
    cues: tuple[str, ...]  # folded words or phrases that, found in a question, name this speaker
    # The cues a question may use to ask for this speaker's words: those rarely said in the
    # transcripts. A name or role said often ("marketing", "user interface", "[PERSON3]") is
    # as likely a topic of the question as its speaker, so it names them only explicitly.
    distinctive: tuple[str, ...] = ()


class SpeakerDirectory:
    """Built from the turns of an index; generic rules, no list of known people."""

    def __init__(self, turns: list[Turn], texts: dict[str, str], settings: QuerySettings) -> None:
        self.settings = settings
        people: dict[str, str | None] = {}
        intro: dict[str, list[str]] = {}
        for t in turns:
            if t.speaker is None:
                continue
            people.setdefault(t.speaker, t.affiliation)
            heading = texts[t.source][t.heading[0] : t.heading[1]] if t.heading else ""
            first = texts[t.source][
                t.start_char : min(t.end_char, t.start_char + settings.intro_chars)
            ]
            intro.setdefault(t.speaker, []).append(" " + heading + " " + first)
        # Each speaker's intro words once: the role test below looked them up again for every
        # speaker and role, which took minutes to load an archive of 50,000 chunks.
        intro_words = {n: set(words("".join(parts))) for n, parts in intro.items()}
        role_owners = Counter(r for ws in intro_words.values() for r in ROLE_WORDS if r in ws)
        heads = {n: _heading_cues(a, settings.cue_min_chars) for n, a in people.items()}
        owners = Counter(w for cues in heads.values() for w in cues)
        # Every word said, counted paragraph by paragraph (a list of every paragraph's words
        # held gigabytes at a million chunks while the directory was built).
        spoken: Counter[str] = Counter()
        said_lines = []
        for t in turns:
            for p in t.paragraphs:
                if not _in_heading(p, t):
                    ws = words(texts[t.source][p[0] : p[1]])
                    spoken.update(ws)
                    said_lines.append(" ".join(ws))
        said_text = " " + " ".join(said_lines) + " "
        del said_lines

        def said(cue: str) -> int:
            return spoken[cue] if " " not in cue else said_text.count(f" {cue} ")

        # A word of several people's names ("Speaker" of "Speaker 1" and "Speaker 2", a shared
        # surname) names none of them alone.
        name_owners = Counter(w for n in people for w in set(words(n)))
        profiles = []
        for name, affiliation in people.items():
            cues: set[str] = {" ".join(words(name))}
            cues.update(
                w for w in words(name) if len(w) >= settings.cue_min_chars and name_owners[w] == 1
            )
            for part in _AFFILIATION_SPLIT.split(affiliation or ""):
                phrase = " ".join(words(part)).removeprefix("the ")
                if len(phrase.split()) >= 2:
                    cues.add(phrase)
            # An employer ("Initech") or a title ("professor") that only this speaker has.
            cues.update(
                w for w in heads[name] if owners[w] == 1 and (w in TITLE_WORDS or spoken[w] == 0)
            )
            for role in ROLE_WORDS:
                if role in intro_words[name] and role_owners[role] == 1:
                    cues.add(role)
            distinctive = tuple(c for c in sorted(cues) if said(c) <= settings.cue_max_spoken)
            profiles.append(SpeakerProfile(name, affiliation, tuple(sorted(cues)), distinctive))
        self.profiles = tuple(profiles)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.profiles]

    def mentions(self, question: str, explicit: bool = False) -> list[tuple[int, str]]:
        """(position, speaker) for every speaker the question names, in reading order; by
        their distinctive cues, or by any cue when a user names the speaker `explicit`ly."""
        folded = " " + " ".join(words(question)) + " "
        romaji = romanised_words(question)  # names in kanji or katakana, read out
        found = []
        for p in self.profiles:
            cues = p.cues if explicit else p.distinctive
            positions = [folded.find(f" {cue}{end} ") for cue in cues for end in ("", "s")]
            positions = [pos for pos in positions if pos >= 0]
            single = [c for c in cues if " " not in c]
            positions += [
                len(folded) + i
                for i, word in enumerate(romaji)
                if any(sounds_like(word, cue) for cue in single)
            ]
            if positions:
                found.append((min(positions), p.name))
        return sorted(found)

    def named_in(self, question: str) -> list[str]:
        """Speakers the question names, in the order it names them."""
        return [name for _, name in self.mentions(question)]

    def subjects(self, question: str) -> list[str]:
        """Whose words the question asks for: the first speaker named, and any joined to it
        by "and"/"or" ("Okafor and Lindqvist"). In "What did the moderator ask Okafor?" the
        moderator is the subject and Okafor only a topic.
        """
        mentions = self.mentions(question)
        if not mentions:
            return []
        folded = " " + " ".join(words(question)) + " "
        romaji = romanised_words(question)
        subjects = [mentions[0][1]]
        for (prev, _), (pos, name) in itertools.pairwise(mentions):
            if prev >= len(folded):  # both named in Japanese: the romaji words between them
                between = set(romaji[prev - len(folded) + 1 : pos - len(folded)])
            else:
                between = set(folded[prev:pos].split()[1:]) - {"the", "both"}
            if between & AND_WORDS and len(between) <= self.settings.joined_names_gap:
                subjects.append(name)
            else:
                break
        return subjects

    def cue_text(self, names: list[str]) -> str:
        """The words that name these speakers (their own sentences rarely contain them)."""
        return " ".join(c for p in self.profiles if p.name in names for c in p.cues)

    def resolve(self, speaker: str) -> str | None:
        """An explicit filter given by a user (`--speaker Okafor`) -> the full name, or None."""
        if fold(speaker).strip() in {DOCUMENT, "none"}:
            return DOCUMENT
        matches = [name for _, name in self.mentions(speaker, explicit=True)]
        return matches[0] if len(matches) == 1 else None


def _in_heading(paragraph: tuple[int, int], turn: Turn) -> bool:
    return turn.heading is not None and turn.heading[0] <= paragraph[0] < turn.heading[1]


def _heading_cues(affiliation: str | None, min_chars: int) -> set[str]:
    """Single words of a heading that can name its speaker: each organisation's words (the
    last part before a "/") and title words."""
    cues: set[str] = set()
    for part in (affiliation or "").split("/"):
        segments = [s for s in part.split(",") if s.strip()]
        if segments:
            cues.update(
                w for w in words(segments[-1]) if len(w) >= min_chars and w not in STOPWORDS
            )
        cues.update(w for w in words(part) if w in TITLE_WORDS)
    return cues - {"ltd", "inc", "co", "corp", "gmbh", "office"}
