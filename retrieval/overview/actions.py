"""Decisions and action items, read from the words that make them.

- An action item is a task someone takes on ("I'll send the minutes", "let me check the
  contract": the speaker will) or is given ("Ana, please book the rooms", "[PERSON2] will write
  the section": the person named will, asked by the speaker), or asked of the listener with no
  name ("could you send the slides?": the person spoken to, when the turns around settle who
  that is; when they reply "I can do that", the item is their reply's). The detection is the answer
  path's (`retrieval.answerer.responsible`), so "who will" answers and the overview agree.
- A decision is said as one: "we decided / agreed / concluded", "it was agreed", "the decision
  is", "let's go with".
A due date is the phrase that says when ("by Friday", "next week", "before the end of the
month"), as said: a meeting's date is seldom in its transcript, so a weekday is not turned
into a calendar date. A meeting with none of these gets none: nothing is inferred.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.answerer.addressee import addressee, listener_asked
from retrieval.answerer.responsible import assigned_in, commitment_in, committed_task
from retrieval.overview.pool import Said
from retrieval.overview.requests import answered_request, points_back, request_task

_DECIDED = re.compile(
    r"\b(?:we|they|you|everyone|everybody|all of us|the (?:group|team|committee|board|panel))\s+"
    r"(?:have\s+|had\s+|all\s+|finally\s+|just\s+)*(?:decided|agreed|concluded|settled on|"
    r"chose|voted|approved|resolved)\b"
    r"|\b(?:it|this|that)\s+(?:was|is|has been)\s+(?:decided|agreed|settled)\b"
    r"|\bthe decision (?:is|was|has been)\b"
    r"|\blet'?s (?:go with|stick with|settle on|agree on)\b"
    r"|\bwe(?:'ll| will| are going to|'re going to) go (?:with|for)\b",
    re.IGNORECASE,
)
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
)
_DUE = re.compile(
    rf"\b(?:by|before|until|till|on)\s+(?:next\s+|this\s+)?{_WEEKDAY}\b"
    rf"|\b(?:next|this|coming)\s+(?:{_WEEKDAY}|week|month|meeting|quarter)\b"
    r"|\b(?:by|before|until)\s+the\s+end\s+of\s+(?:the\s+|this\s+|next\s+)?"
    r"(?:day|week|month|year|quarter|meeting)\b"
    rf"|\b(?:by|before|until|on)\s+(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?|\d{{1,2}}(?:st|nd|rd|th)?"
    rf"\s+(?:of\s+)?{_MONTH})\b"
    r"|\b(?:in|within)\s+(?:two|three|four|a few|a couple of|\d+)\s+(?:days|weeks|months)\b"
    r"|\btomorrow\b|\btonight\b|\bby\s+(?:today|then)\b|\b\d{4}-\d{2}-\d{2}\b",
    re.IGNORECASE,
)
_TASK_START = re.compile(
    r"\b(?:please|could you|can you|would you|will you|you will|you'll|you should|will|shall|"
    r"is going to|I'll|I will|I'm going to|I am going to|I can|let me|to)\s+",
    re.IGNORECASE,
)


_TO_YOU = re.compile(r"\b(?:you|please)\b", re.IGNORECASE)
_ADVERBS = re.compile(r"^(?:(?:also|then|just|definitely|certainly|quickly|now)\s+)+", re.I)


@dataclass(frozen=True)
class Action:
    """A task or a decision, with the sentence it rests on (an index into the pool)."""

    kind: str  # "action" or "decision"
    said: int
    owner: str | None  # who will do it (actions); None for decisions
    assigned_by: str | None  # who asked them, when someone did
    task: str  # what, in the sentence's own words
    due: str | None  # when, as said
    request: int | None = None  # the request the task was taken from, when it points back


def task_of(text: str) -> str:
    """The words after the first 'please / will / let me...' of the sentence: the task."""
    found = _TASK_START.search(text)
    task = text[found.end() :] if found else text
    task = _ADVERBS.sub("", task.strip())
    return task.rstrip(".!?;:,").strip() or text


def due_of(text: str) -> str | None:
    found = _DUE.search(text)
    return found.group(0) if found else None


def actions_in(said: Sequence[Said], people: frozenset[str]) -> list[Action]:
    """Every action item and decision of the sentences, in the order said."""
    out: list[Action] = []
    turns = _turn_speakers(said)
    for i, s in enumerate(said):
        if s.words < 3 or not s.speaker:
            continue
        text = s.text.replace("\u2019", "'")
        person = assigned_in(text, s.speaker, people)
        if person is not None:
            out.append(_action(said, i, person, s.speaker, people))
        elif not s.sentence.asks and commitment_in(s.text):
            out.append(_action(said, i, s.speaker, None, people))
        elif not s.sentence.asks and _DECIDED.search(text):
            out.append(Action("decision", i, None, None, s.text, due_of(s.text)))
        elif (listener := _asked_listener(s, text, turns, people)) is not None:
            out.append(Action("action", i, listener, s.speaker, task_of(text), due_of(text)))
    # A request the listener took on in reply is their commitment's item, not a second one.
    answered = {a.request for a in out if a.request is not None}
    return [a for a in out if not (a.assigned_by and a.said in answered)]


def _asked_listener(
    s: Said, text: str, turns: dict[str, list[str | None]], people: frozenset[str]
) -> str | None:
    """Who a request that names no one ("could you send the slides?") asks: the person
    spoken to, when the turns around settle it (`retrieval.answerer.addressee`)."""
    if not _TO_YOU.search(text) or request_task(text, s.speaker, people) is None:
        return None  # "could someone ...?" asks anyone: the reply names who takes it
    if not listener_asked(text, people):
        return None
    return addressee(turns[s.chunk.source], s.chunk.turn_index, s.speaker)


def _turn_speakers(said: Sequence[Said]) -> dict[str, list[str | None]]:
    """Each document's speaker of every turn, as far as its sentences show (None elsewhere)."""
    turns: dict[str, list[str | None]] = {}
    for s in said:
        row = turns.setdefault(s.chunk.source, [])
        row.extend([None] * (s.chunk.turn_index + 1 - len(row)))
        row[s.chunk.turn_index] = s.speaker
    return turns


def _action(
    said: Sequence[Said], i: int, owner: str, by: str | None, people: frozenset[str]
) -> Action:
    """The item, its task taken from the request it answers when its own is only "that"."""
    text = said[i].text
    task, due = task_of(text), due_of(text)
    own = task if by is not None else committed_task(text) or task  # the commitment's clause
    if points_back(own, due):
        found = answered_request(said, i, owner, people)
        if found is not None:
            j, asked = found
            return Action("action", i, owner, by, asked, due or due_of(said[j].text), j)
    return Action("action", i, owner, by, task, due)
