"""Who "you" is: the listener a sentence asks to do something ("could you send it", "try
sending him an e-mail") when it names no one.

In a meeting, a request without a name is addressed to the person the speaker is talking with:
the speaker of the turns around it. That is settled only when the exchange has one other
party: the speaker before and the speaker after are the same person, or only one of them
exists (the meeting's first or last words). With two different neighbours, several people
may be meant and no one is named: the evidence does not settle who.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from retrieval.answerer.participants import mentions
from retrieval.answerer.talk import in_the_talk
from webinar_rag.core import Source
from webinar_rag.models import directives

REACH = 3  # turns looked at on each side, past the speaker's own (a split turn)
# A request put as a question: "Could you send it?", "So, can you check the numbers?"
_REQUEST = re.compile(
    r"^\W*(?:(?:so|then|and|but|okay|ok|maybe|now|also|please)[, ]+)*(?:could|can|would|will)"
    r"\s+you\b",
    re.IGNORECASE,
)


def is_request(text: str) -> bool:
    """A question asking the listener to do something ("could you send it?")."""
    return _REQUEST.search(text) is not None


def listener_asked(text: str, people: frozenset[str]) -> bool:
    """The sentence asks its listener to do a task, not a move in the talk ("you can see",
    "go ahead"): what `directives` finds, judged as a commitment's verb would be. A sentence
    that names a participant ("Dr. Lund) Please share...") may be put to them: it is not
    taken for the neighbour's."""
    if mentions(text, people):
        return False
    return any(
        not in_the_talk("you", "", verb, _clause(text[end:])) for verb, end in directives(text)
    )


def _clause(text: str) -> str:
    for stop in ".!?;":
        text = text.split(stop, 1)[0]
    return text


def addressee(speakers: Sequence[str | None], turn: int, speaker: str | None) -> str | None:
    """The one other party of the exchange around turn `turn` of a document whose turns are
    said by `speakers` (None: unattributed text), or None when there is none or the
    neighbours are two different people."""
    if speaker is None:
        return None
    before = _other(speakers, turn, -1, speaker)
    after = _other(speakers, turn, 1, speaker)
    if before and after and before != after:
        return None
    return after or before


def turn_speakers(source: Source) -> list[str | None]:
    return [t.speaker for t in source.turns]


def _other(speakers: Sequence[str | None], turn: int, step: int, speaker: str) -> str | None:
    """The nearest speaker other than `speaker` in one direction, within REACH turns."""
    i = turn + step
    for _ in range(REACH):
        if not 0 <= i < len(speakers):
            return None
        other = speakers[i]
        if other is not None and other != speaker:
            return other
        i += step
    return None
