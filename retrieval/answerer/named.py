"""Who a "who" question's evidence names, for questions about who did, has or is something:
not who will do it (`retrieval.answerer.responsible`), and not who said or thinks it (then the
speaker is the answer, as the quote already shows).

A quoted sentence answers such a question about a participant when that participant is its
grammatical subject ("[PERSON3] has sent the Overleaf link", "Ana is writing the survey"), as
spaCy's parser reads it: the answer then introduces the quote with that person, and with the
speaker who says it: `PERSON3 (according to PERSON7): "..."`. A subject is a participant when
it is an anonymised placeholder (`[PERSON3]`, `Speaker 2`) or every word of it is a word of a
speaker's name; the speaker themself, a pronoun, and anyone the question itself names are not
the answer. Only sentences that mention a participant at all are parsed (a few milliseconds
each), and only for such questions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from retrieval.answerer.addressee import addressee, listener_asked, turn_speakers
from retrieval.answerer.expect import Expectation
from retrieval.answerer.participants import NAME_WORD, PLACEHOLDER, mentions
from retrieval.answerer.quotes import Quote
from retrieval.answerer.responsible import is_task_question
from webinar_rag.core import Citation, Responsible
from webinar_rag.models import subjects
from webinar_rag.store import Store

# "who said / asked / thinks ...": the speaker is the answer. Verbs of saying and holding a
# view, in English (the question's verb, a few words after "who").
SPEECH_QUESTION = re.compile(
    r"\bwho\b(?:\s+\S+){0,3}?\s+(?:said|says|say|asked|asks|ask|mentioned|mentions|mention|"
    r"suggested|suggests|proposed|proposes|raised|raises|spoke|speaks|talked|talks|commented|"
    r"noted|pointed|stated|claimed|argued|complained|explained|explains|replied|answered|"
    r"responded|recommended|emphasi[sz]ed|stressed|highlighted|described|expressed|warned|"
    r"remarked|added|thinks|thought|believes|believed|feels|felt|agreed|agrees|disagreed|"
    r"opened|closed|moderated|welcomed|thanked|introduced)\b",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(PLACEHOLDER)
_YOU = re.compile(r"\byou\b", re.IGNORECASE)


def is_about_a_person(question: str, expected: Expectation) -> bool:
    """A "who" question whose answer is a participant the evidence names, not the speaker."""
    return (
        expected.person
        and re.search(r"\bwho(?:m|se)?\b", question, re.IGNORECASE) is not None
        and not is_task_question(question)
        and SPEECH_QUESTION.search(question) is None
    )


def named_for(
    question: str,
    expected: Expectation,
    quotes: Sequence[Quote],
    citations: Sequence[Citation],
    store: Store,
    people: frozenset[str],
) -> tuple[Responsible, ...]:
    """The participants the quotes name as their subject, for a question about who did or is
    something (empty otherwise, and when no quote names one)."""
    if not is_about_a_person(question, expected):
        return ()
    asked = question.casefold()
    found: list[Responsible] = []
    for quote, citation in zip(quotes, citations, strict=True):
        text = store.sources[quote.chunk.source].text[quote.start : quote.end]
        speaker = quote.chunk.speaker
        if speaker is None or not (mentions(text, people) or _YOU.search(text)):
            continue
        for start, end in subjects(text):
            subject = text[start:end]
            if _YOU.fullmatch(subject.strip()):  # "you could read it": the one spoken to
                person = None
                if listener_asked(text, people):
                    turns = turn_speakers(store.sources[quote.chunk.source])
                    person = addressee(turns, quote.chunk.turn_index, speaker)
            else:
                person = participant(subject, people)
            if person and person != speaker and not _named_in(person, asked):
                found.append(Responsible(person, None, citation.n, according_to=speaker))
                break
    return tuple(dict.fromkeys(found))


def participant(subject: str, people: frozenset[str]) -> str | None:
    """The subject as a participant's name (`PERSON3` for `[PERSON3]`), or None."""
    if m := _PLACEHOLDER.fullmatch(subject.strip()):
        return m["label"]
    words = NAME_WORD.findall(subject)
    if words and all(w[0].isupper() and w.lower() in people for w in words):
        return " ".join(words)
    return None


def _named_in(person: str, asked: str) -> bool:
    """The question itself names them (whole words: PERSON1 is not named by [PERSON10])."""
    return re.search(rf"(?<!\w){re.escape(person.casefold())}(?!\w)", asked) is not None
