"""Who a "who did / who is" question's evidence names: the participant a quoted sentence has as
its subject, introduced with the speaker who says it (retrieval.answerer.named)."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.answerer import expect
from retrieval.answerer.named import _named_in, is_about_a_person, participant
from tests.support.seed import assistant_over
from webinar_rag.core import Responsible
from webinar_rag.models import Embedder, subjects

PEOPLE = frozenset(["ana", "ruiz", "ben", "lund", "carl", "mets"])


@pytest.mark.parametrize(
    ("question", "about"),
    [
        ("Who prepared the overleaf initially?", True),
        ("Who has written a survey paper?", True),
        ("Who is attending remotely?", True),
        ("Who said that the venue is too small?", False),  # the speaker is the answer
        ("Who thinks the budget is too high?", False),
        ("Who asked about the catering?", False),
        ("Who will send the revised budget?", False),  # a task: `responsible`
        ("What did Ana prepare?", False),  # not a who question
    ],
)
def test_which_questions_ask_for_the_person_a_quote_names(question: str, about: bool) -> None:
    assert is_about_a_person(question, expect(question)) is about


@pytest.mark.parametrize(
    ("subject", "person"),
    [
        ("[PERSON3]", "PERSON3"),
        ("Speaker 2", "Speaker 2"),
        ("Ana", "Ana"),
        ("Ana Ruiz", "Ana Ruiz"),
        ("The council", None),  # capitalised, but no participant's name
        ("Marketing", None),
        ("she", None),
        ("Ana and the council", None),
    ],
)
def test_a_subject_is_a_participant_by_placeholder_or_name(
    subject: str, person: str | None
) -> None:
    assert participant(subject, PEOPLE) == person


@pytest.mark.parametrize(
    ("person", "question", "named"),
    [
        ("PERSON1", "who is [person1] waiting for?", True),
        ("PERSON1", "who is [person10] waiting for?", False),
        ("Ana", "who did ana ruiz call?", True),
        ("Ana", "who did banana farmers call?", False),
    ],
)
def test_a_person_the_question_names_is_not_its_answer(
    person: str, question: str, named: bool
) -> None:
    assert _named_in(person, question) is named


def test_a_responsible_label_says_who_names_them() -> None:
    assert Responsible("Ana", None, 1, according_to="Ben").label == "Ana (according to Ben)"
    assert Responsible("Ana", "Ben", 1).label == "Ana (asked by Ben)"
    assert Responsible("Ana", None, 1).label == "Ana"


@pytest.mark.slow
def test_only_main_clause_subjects_count() -> None:
    text = "I did what Ana was doing, and Ben sent the link."
    assert [text[a:b] for a, b in subjects(text)] == ["I", "Ben"]


MEETING = (
    "Ben Lund: Welcome everyone, today we review the spring workshop for the city council.\n"
    "Carl Mets: Last week Ana Ruiz sent the signed contract for the Harbour Street venue.\n"
    "Ben Lund: Good. The catering quote came in at four thousand euros.\n"
    "Ana Ruiz: I think the catering quote is too high for our budget.\n"
    "Carl Mets: The council asked for a report on accessibility of the venue.\n"
)


@pytest.mark.slow
def test_a_who_did_answer_names_the_person_not_the_speaker(
    tmp_path: Path, embedder: Embedder
) -> None:
    assistant = assistant_over(tmp_path, embedder, {"review.txt": MEETING})
    answer = assistant.ask("Who sent the signed contract for the venue?")
    assert not answer.refused
    named = [r for r in answer.responsible if r.according_to]
    assert [(r.person, r.according_to) for r in named] == [("Ana Ruiz", "Carl Mets")]
    cited = answer.citations[named[0].citation - 1]
    assert cited.speaker == "Carl Mets" and "Ana Ruiz sent the signed contract" in cited.quote
    assert f"Ana Ruiz (according to Carl Mets): {cited.quote}" in answer.text
    # Who holds a view: the speaker is the answer, as before.
    said = assistant.ask("Who thinks the catering quote is too high?")
    assert not said.refused and said.responsible == ()
    assert said.text.startswith(f"{said.citations[0].speaker}: ")
