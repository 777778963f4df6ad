"""The page's example questions: drawn from every document, not only the longest, and said as
a person would ask them ("about the bill", not "about bill")."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from webinar_rag.ui.examples import example_questions


def chunk(source: str, speaker: str | None, text: str) -> Any:
    return SimpleNamespace(source=source, speaker=speaker, affiliation=None, text=text)


def index(*chunks: Any) -> Any:
    return SimpleNamespace(chunks=list(chunks))


def test_examples_come_from_every_document_before_a_second_speaker_of_one() -> None:
    report = [
        chunk("report.md", name, f"{topic} {topic} matters, {topic} again. " * 6)
        for name, topic in [
            ("Ana Long", "harbour"),
            ("Ben Long", "cables"),
            ("Cy Long", "tariffs"),
            ("Di Long", "gigafactory"),
        ]
    ]
    small = [
        chunk("standup.vtt", "Olivia", "The budget is late. The budget needs numbers."),
        chunk("board.docx", "Priya", "The volcano erupted. Volcano monitoring helps."),
        chunk("town-hall.srt", "Tomas", "Our parking plan. Parking costs rise."),
    ]
    questions = example_questions(index(*report, *small))
    asked = " ".join(questions)
    assert len(questions) == 4
    for name in ("Olivia", "Priya", "Tomas"):  # one from each small document
        assert f"What did {name} say about" in asked
    assert sum(f"What did {n} " in asked for n in ("Ana", "Ben", "Cy", "Di")) == 1


@pytest.mark.parametrize(
    ("word", "phrase"),
    [
        ("bill", "the bill"),
        ("initiative", "the initiative"),
        ("penalties", "penalties"),
        ("cooperation", "cooperation"),
        ("Fujitsu", "Fujitsu"),
    ],
)
def test_the_topic_is_said_grammatically(word: str, phrase: str) -> None:
    text = f"{word} {word} here. Other words elsewhere."
    questions = example_questions(
        index(chunk("a.md", "Ana", text), chunk("a.md", "Ben", "Nothing shared at all."))
    )
    assert questions[0] == f"What did Ana say about {phrase}?"
