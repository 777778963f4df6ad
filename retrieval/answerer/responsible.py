"""The person responsible: for "who will / who should / whose task" questions, the person who
will do it, which is often not the person speaking.

Two shapes of evidence, found in the quoted sentence and the words around it:
- a commitment, in the first person ("I'll take that", "I can do it by Friday", "let me
  check"): the speaker will do it;
- an assignment, naming someone ("Ana, please write the summary", "[PERSON2] will send it",
  "could you, Ben, check the numbers"): the person named will, asked by the speaker;
- a request that names no one ("could you send it", "try sending him an e-mail"): the person
  spoken to will, when the turns around settle who that is (`retrieval.answerer.addressee`).
When neither settles who, the answer says so instead of naming the speaker.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from retrieval.answerer.addressee import addressee, listener_asked, turn_speakers
from retrieval.answerer.expect import Expectation
from retrieval.answerer.participants import PLACEHOLDER
from retrieval.answerer.quotes import Quote
from retrieval.answerer.talk import in_the_talk
from webinar_rag.core import Citation, Responsible
from webinar_rag.store import Store

# A question about who will do something (not who said or who is someone).
TASK_QUESTION = re.compile(
    r"\bwho\b.{0,30}?\b(will|would|shall|should|is going to|are going to|'s going to|has to|"
    r"needs? to|is supposed to|is responsible|was (?:asked|assigned)|volunteered|agreed to|"
    r"takes? care|is in charge|takes? over|is tasked)\b|\bwhose (task|job|responsibility)\b|"
    r"誰が.*(する|担当|予定)",
    re.IGNORECASE,
)
_I_WILL = re.compile(
    r"\b(?P<lead>I'll|I will|I'm going to|I am going to|I'm gonna|I can|I could|I shall|let me|"
    r"I'd be happy to|I'm happy to|I am happy to|I volunteer to|I'll try to|I will try to)\s+"
    r"(?P<adverbs>(?:(?:also|then|just|quickly|definitely|certainly|now|first)\s+)*)"
    r"(?P<verb>[a-z]+)(?=(?P<rest>[^.!?;]*))",
    re.IGNORECASE,
)
_NAME = rf"(?:{PLACEHOLDER}|[A-Z][a-zà-ÿ'’\-]+(?:\s+[A-Z][a-zà-ÿ'’\-]+){{0,2}})"
# "NAME, please ..." / "NAME, can you ..." / "NAME will ..." / "could you, NAME, ..."
_ASSIGNED = (
    re.compile(
        rf"(?:^|[.;:!?]\s+|\b(?i:so|then|and|okay|ok|maybe|now)[, ]+)(?P<name>{_NAME})\s*[,:]?\s+"
        r"(?:please|could you|can you|would you|will you|you will|you'll|you should|you can|"
        r"you could|you have to|you need to)\b"
    ),
    re.compile(
        rf"\b(?P<name>{_NAME})\s+(?:will|shall|is going to|is gonna|should|has to|needs to|"
        r"is supposed to|would take care|can take care|takes care)\s+\w+"
    ),
    re.compile(rf"\b(?:could|can|would|will)\s+you,?\s+(?P<name>{_NAME}),?\s+\w+", re.IGNORECASE),
    re.compile(rf"\b(?:ask|asked|assign|assigned|let)\s+(?P<name>{_NAME})\s+(?:to\s+)?\w+"),
)
_NOT_NAMES = frozenset(
    [
        "I",
        "We",
        "You",
        "He",
        "She",
        "They",
        "It",
        "This",
        "That",
        "There",
        "Then",
        "So",
        "And",
        "But",
        "Okay",
        "OK",
        "Yes",
        "No",
        "Maybe",
        "Now",
        "Also",
        "Please",
        "Well",
        "Right",
        "Sure",
        "Good",
        "Great",
        "Thanks",
        "Thank",
        "The",
        "A",
        "An",
        "If",
        "When",
        "What",
        "Who",
        "How",
        "Why",
        "Let",
    ]
)


def commitment_in(text: str) -> bool:
    """The speaker takes on a task in the first person ("I'll send it", "let me check")."""
    return committed_task(text) is not None


def committed_task(text: str) -> str | None:
    """What the speaker takes on, from its verb to the end of the clause ("send it" of "I'll
    send it, but later"), or None when the sentence takes nothing on."""
    text = text.replace("\u2019", "'")
    for m in _I_WILL.finditer(text):
        if not in_the_talk(m["lead"], m["adverbs"], m["verb"], m["rest"]):
            rest = re.split(r",|\b(?:but|because|if|so|and then)\b", m["rest"], maxsplit=1)[0]
            return f"{m['verb']}{rest}".strip()
    return None


def is_task_question(question: str) -> bool:
    return bool(TASK_QUESTION.search(question))


def responsible_for(
    question: str,
    expected: Expectation,
    quotes: Sequence[Quote],
    citations: Sequence[Citation],
    store: Store,
    people: frozenset[str] = frozenset(),
) -> tuple[Responsible, ...]:
    """Who will do it, by the quoted evidence (empty for other questions, and when no quote
    settles who)."""
    if not expected.person or not is_task_question(question):
        return ()
    found: list[Responsible] = []
    for quote, citation in zip(quotes, citations, strict=True):
        text = store.sources[quote.chunk.source].text[quote.start : quote.end]
        speaker = quote.chunk.speaker
        person = assigned_in(text, speaker, people)
        if person is not None:
            found.append(Responsible(person, speaker, citation.n))
        elif speaker and commitment_in(text):
            found.append(Responsible(speaker, None, citation.n))
        elif speaker and listener_asked(text, people):  # "could you send it": the one spoken to
            turns = turn_speakers(store.sources[quote.chunk.source])
            listener = addressee(turns, quote.chunk.turn_index, speaker)
            if listener is not None:
                found.append(Responsible(listener, speaker, citation.n))
    return tuple(dict.fromkeys(found))


def assigned_in(text: str, speaker: str | None, people: frozenset[str]) -> str | None:
    """The person a sentence asks or says will do something, if it names one (not the
    speaker themself). A name is a placeholder (`[PERSON2]`, `Speaker 3`) or words of a
    participant's name (`people`): capitalised words alone are as often an organisation
    ("the Strategy Headquarters will develop...") as a person."""
    text = text.replace("\u2019", "'")
    for pattern in _ASSIGNED:
        for match in pattern.finditer(text):
            tokens = match.group("name").strip("[]").split()
            while tokens and tokens[0] in _NOT_NAMES:  # "So Ana will ...": Ana
                tokens.pop(0)
            name = " ".join(tokens)
            if not name or (speaker and name == speaker):
                continue
            placeholder = re.fullmatch(PLACEHOLDER, name) is not None
            if not placeholder and not all(t.lower() in people for t in tokens):
                continue
            return name
    return None
