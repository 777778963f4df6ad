"""Follow-up questions: "And what did she say about penalties?", "Who disagreed with him?",
"What about the budget?" only make sense after the answer before them.

Offline, without a model, two readings cover most follow-ups:
- a pronoun for a person (she, him, his, 彼女...) with no speaker named is the speaker the
  previous answer quoted first: the pronoun is replaced by that name;
- an elliptical question ("What about the budget?", "And Lisbon?", "How about penalties?")
  keeps the previous question and puts its new focus in place of the old topic, never beside
  it: for the first name-like words of the previous question when it has some ("When does
  Acme's pilot start?" -> "When does Globex's pilot start?"), else for its topic, the noun
  phrase it asks about ("How much did revenue grow in May?" + "And costs?" -> "How much did
  costs grow in May?"; the one after "about" when it has one); only a question with no noun
  phrase at all gets the focus added.
Either way the follow-up stays in the previous answer's document when that answer came from
one. With an LLM, `LLMClient.rewrite` asks the model for the standalone question instead
(LangChain's history-aware retriever pattern); this module is its fallback.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from webinar_rag.core import Answer
from webinar_rag.models import noun_phrases

_PERSON_PRONOUN = re.compile(
    r"\b(she|he|her|him|his|hers|herself|himself)\b|彼女|彼(?!ら)", re.IGNORECASE
)
_ELLIPSIS = re.compile(
    r"^\W*(?:and\s+)?(?:what|how)\s+about\s+(?P<a>.+?)\W*$|^\W*and\s+(?P<b>[^?]{1,60}?)\W*$|"
    r"^\W*(?:what|how)\s+of\s+(?P<c>.+?)\W*$|^\W*(?P<d>.{1,30}?)(?:は|について)?(?:どう|は？|は\?)\W*$",
    re.IGNORECASE,
)
# Name-like words of a question: capitalised, not opening it (a proper noun, maybe possessive).
_PROPER = re.compile(r"(?<!^)(?<![.?!]\s)\b([A-Z][\w\-]*(?:\s+[A-Z][\w\-]*)*)(?='s\b|\b)")
_NOT_TOPIC = re.compile(
    r"^(what|which|who|whom|whose|when|where|why|how|it|they|them|we|you|he|she|i|this|that)$",
    re.IGNORECASE,
)
_ABOUT = re.compile(r"\b(about|on|regarding|concerning|of)\s+$", re.IGNORECASE)
_VERB_HINT = re.compile(r"\b(is|are|was|were|do|does|did|say|said|think|want|will|can|has|have)\b")


@dataclass(frozen=True)
class Resolved:
    """The question as answered, and the document the conversation is in (if one)."""

    question: str
    document: str | None = None

    def changed(self, asked: str) -> bool:
        return self.question != asked


def resolve(question: str, history: Sequence[Answer], names_someone: bool) -> Resolved:
    """The standalone question a follow-up stands for, given the answers before it (oldest
    first). `names_someone`: the question itself names a speaker, so its pronouns are not
    about the previous one."""
    previous = next((a for a in reversed(history) if not a.refused), None)
    if previous is None:
        return Resolved(question)
    asked = previous.resolved or previous.question
    document = _one_document(previous)
    if not names_someone and _PERSON_PRONOUN.search(question):
        person = next((c.speaker for c in previous.citations if c.speaker), None)
        if person:
            standalone = _PERSON_PRONOUN.sub(
                lambda m: _possessive(person, m.group(0)), question, count=1
            )
            return Resolved(standalone, document)
    focus = _ellipsis_focus(question)
    if focus:
        return Resolved(_swap_focus(asked, focus), document)
    return Resolved(question)


def _one_document(answer: Answer) -> str | None:
    sources = {c.source for c in answer.citations}
    return sources.pop() if len(sources) == 1 else None


def _possessive(name: str, pronoun: str) -> str:
    return f"{name}'s" if pronoun.lower() in ("his", "hers") else name


def _ellipsis_focus(question: str) -> str | None:
    """The new focus of an elliptical follow-up, or None for a question that stands alone."""
    match = _ELLIPSIS.match(question.strip())
    if not match:
        return None
    focus = next(g for g in match.groups() if g)
    if _VERB_HINT.search(focus) and len(focus.split()) > 3:
        return None  # "And what did the panel decide?" is a question of its own
    return focus.strip()


def _swap_focus(asked: str, focus: str) -> str:
    proper = _PROPER.search(asked)
    if proper:
        return asked[: proper.start(1)] + focus + asked[proper.end(1) :]
    topic = _topic(asked)
    if topic is not None:
        return asked[: topic[0]] + focus + asked[topic[1] :]
    return f"{asked.rstrip(' ?')}, and about {focus}?"


def _topic(question: str) -> tuple[int, int] | None:
    """The span of the noun phrase a question is about: the one after "about" (or "on",
    "regarding"...) if any, else the first that is not a question word or a pronoun."""
    phrases = [(a, b) for a, b in noun_phrases(question) if not _NOT_TOPIC.match(question[a:b])]
    for a, b in phrases:
        if _ABOUT.search(question[:a]):
            return a, b
    return phrases[0] if phrases else None
