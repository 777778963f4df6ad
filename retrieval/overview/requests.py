"""What "I can do that" takes on: the request it answers, a turn or two before.

A commitment often points back: "Could someone write the report?" - "I can do that." The
commitment names the owner; the task is in the request, said by someone else just before. A
request is a sentence that asks or tells someone to do something: a question put to someone
("could you / can anyone / who can ...?"), a call for a volunteer ("someone should ..."), or
an instruction to the listener ("please ...", "Ana, please ...", "[PERSON2] will ...").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from retrieval.answerer.responsible import assigned_in
from retrieval.answerer.talk import in_the_talk
from retrieval.overview.pool import Said

_SOMEONE = r"(?:you|you two|you guys|someone|somebody|anyone|anybody|one of you|one of us)"
_FILL = r"(?:\s+(?:please|maybe|perhaps|also|just|quickly|then|still))*"
_REQUESTS = (
    re.compile(r"\bwould you mind\s+(?P<task>.+)", re.I),
    re.compile(rf"\b(?:could|can|would|will)\s+{_SOMEONE}{_FILL}\s+(?P<task>[a-z].*)", re.I),
    re.compile(
        rf"\bwho\s+(?:can|could|will|would|wants to|is going to){_FILL}\s+(?P<task>.+)", re.I
    ),
    re.compile(rf"\b(?:is|are)\s+{_SOMEONE}\s+(?:able|willing|free)\s+to\s+(?P<task>.+)", re.I),
    re.compile(rf"\b(?:does|do)\s+{_SOMEONE}\s+want\s+to\s+(?P<task>.+)", re.I),
    re.compile(
        rf"\b{_SOMEONE}\s+(?:should|needs? to|has to|have to|must|will have to){_FILL}\s+"
        r"(?P<task>.+)",
        re.I,
    ),
    re.compile(r"\bwe need (?:someone|somebody|one of you) to\s+(?P<task>.+)", re.I),
    re.compile(r"\bplease\s*,?\s+(?P<task>[a-z]+\b.*)", re.I),
)
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?", re.I)
# Words that say nothing of the task: pronouns pointing back, light verbs, particles, fillers.
_POINTERS = frozenset(["it", "that", "this", "them", "those", "these", "one", "so"])
_EMPTY = frozenset(
    [
        "do",
        "take",
        "handle",
        "manage",
        "care",
        "work",
        "look",
        "deal",
        "cover",
        "sort",
        "get",
        "make",
        "try",
        "help",
        "have",
        "on",
        "of",
        "into",
        "about",
        "with",
        "up",
        "over",
        "out",
        "for",
        "at",
        "a",
        "the",
        "bit",
        "job",
        "task",
        "thing",
        "stuff",
        "me",
        "myself",
        "sure",
        "yes",
        "yeah",
        "okay",
        "ok",
        "then",
        "also",
        "maybe",
        "probably",
        "um",
        "uh",
        "ehm",
        "uhm",
        "hmm",
        "and",
        "but",
        "to",
        "be",
        "happy",
        "glad",
        "too",
        "as",
        "well",
    ]
)
TURNS_BACK = 2  # a request further back than two turns is not what "that" points to


def points_back(task: str, due: str | None = None) -> bool:
    """Whether a commitment's task is only a pronoun ("do that", "take care of it", "send it"):
    its content is in an earlier turn."""
    if due:
        task = task.replace(due, " ")
    words = [w.lower() for w in _WORD.findall(task)]
    content = [w for w in words if w not in _POINTERS and w not in _EMPTY]
    return not content or (len(content) == 1 and any(w in _POINTERS for w in words))


def request_task(text: str, speaker: str | None, people: frozenset[str]) -> str | None:
    """The task a sentence asks for, in its own words ("check the GPU quotas"), if it is a
    request at all; a request to talk ("could you explain...", "can you hear me") is none."""
    text = text.replace("\u2019", "'")
    task = None
    for pattern in _REQUESTS:
        found = pattern.search(text)
        if found:
            task = found["task"]
            break
    if task is None and assigned_in(text, speaker, people) is not None:
        named = re.search(
            r"\b(?:will|shall|should|has to|needs to|is going to|is supposed to)\s+(?P<t>.+)", text
        )
        task = named["t"] if named else None
    if task is None:
        return None
    task = task.strip().rstrip(".!?;:,").strip()
    verb, _, rest = task.partition(" ")
    if not verb or in_the_talk("", "", verb, " " + rest):
        return None
    return task


def answered_request(
    said: Sequence[Said], i: int, owner: str, people: frozenset[str]
) -> tuple[int, str] | None:
    """The nearest request before sentence `i`, in the previous one or two turns of its
    document, by someone other than `owner` (an unattributed turn counts as someone else's):
    (its index, its task)."""
    here = said[i]
    turn = (here.chunk.source, here.chunk.turn_index)
    seen: list[tuple[str, int]] = []
    for j in range(i - 1, -1, -1):
        s = said[j]
        key = (s.chunk.source, s.chunk.turn_index)
        if s.chunk.source != here.chunk.source:
            break
        if key == turn:
            continue
        if key not in seen:
            seen.append(key)
            if len(seen) > TURNS_BACK:
                break
        if s.speaker == owner:  # an unattributed turn is someone else's too
            continue
        task = request_task(s.text, s.speaker, people)
        if task is not None:
            return j, task
    return None
