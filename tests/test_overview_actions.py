"""Action items whose task points back ("I can do that"): the task is the request they answer,
a turn or two before, and both sentences are cited. Sentences are invented here; no model."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from retrieval.overview.actions import Action, actions_in
from retrieval.overview.overview import Item
from retrieval.overview.pool import Said
from retrieval.overview.requests import points_back, request_task
from webinar_rag.core import Chunk, Sentence

PEOPLE = frozenset(["ana", "ruiz", "ben", "lund", "carl"])


def meeting(lines: list[tuple[str, str]]) -> list[Said]:
    """One document, one turn per line (`speaker: sentence. sentence?`), split into sentences."""
    said: list[Said] = []
    pos = 0
    for turn, (speaker, words) in enumerate(lines):
        parts = re.findall(r"[^.?!]+[.?!]", words)
        sentences = []
        for part in parts:
            start = pos + words.index(part)
            sentences.append((Sentence(start, start + len(part), asks=part.endswith("?")), part))
        chunk = Chunk(
            f"c{turn}", "m.txt", turn, speaker, None, pos, pos + len(words), words,
            tuple(s for s, _ in sentences),
        )  # fmt: skip
        for sentence, part in sentences:
            said.append(Said(chunk, sentence, part.strip(), len(said)))
        pos += len(words) + 1
    return said


def actions(lines: list[tuple[str, str]]) -> tuple[list[Said], list[Action]]:
    said = meeting(lines)
    return said, [a for a in actions_in(said, PEOPLE) if a.kind == "action"]


@pytest.mark.parametrize(
    ("task", "back"),
    [
        ("do that", True),
        ("take care of it", True),
        ("work on that, yeah", True),
        ("send it", True),
        ("do it by Friday", True),
        ("send the minutes", False),
        ("book the rooms next week", False),
        ("check", False),  # a verb alone, no pointer: nothing says it points back
    ],
)
def test_a_task_that_is_only_a_pronoun_points_back(task: str, back: bool) -> None:
    due = "by Friday" if "Friday" in task else None
    assert points_back(task, due) is back


@pytest.mark.parametrize(
    ("sentence", "task"),
    [
        ("Could someone draft the budget memo?", "draft the budget memo"),
        ("Ana, please check the printer contract.", "check the printer contract"),
        ("Who can book the train tickets?", "book the train tickets"),
        ("Somebody should call the caterer.", "call the caterer"),
        ("Would you mind sorting the receipts?", "sorting the receipts"),
        ("Can you hear me?", None),  # a request within the talk
        ("Could you explain your results?", None),
        ("The weather was nice.", None),
    ],
)
def test_a_request_and_its_task(sentence: str, task: str | None) -> None:
    assert request_task(sentence, "Ben Lund", PEOPLE) == task


def test_i_can_do_that_takes_its_task_from_the_question_before() -> None:
    said, found = actions(
        [
            ("Ben Lund", "The venue is booked. Could someone draft the budget memo?"),
            ("Ana Ruiz", "Yes, I can do that."),
        ]
    )
    assert len(found) == 1
    a = found[0]
    assert (a.owner, a.task) == ("Ana Ruiz", "draft the budget memo")
    assert said[a.request or 0].text == "Could someone draft the budget memo?"
    assert said[a.said].text == "Yes, I can do that."


def test_an_instruction_two_turns_back_and_its_due_date() -> None:
    _, found = actions(
        [
            ("Ben Lund", "Carl, please renew the domain names before the end of the month."),
            ("Ana Ruiz", "Is that the company one?"),
            ("Carl", "I'll take care of it."),
        ]
    )
    carl = [a for a in found if a.owner == "Carl"]
    assert [(a.task, a.due, a.request) for a in carl if a.assigned_by is None] == [
        ("renew the domain names before the end of the month", "before the end of the month", 0)
    ]


def test_no_request_near_enough_leaves_the_task_as_said() -> None:
    _, found = actions(
        [
            ("Ben Lund", "Could someone draft the budget memo?"),
            ("Ana Ruiz", "The memo is long."),
            ("Ben Lund", "It has nine pages."),
            ("Ana Ruiz", "We saw the figures."),
            ("Carl", "I can do that."),
        ]
    )
    assert [(a.owner, a.task, a.request) for a in found] == [("Carl", "do that", None)]


def test_the_speakers_own_question_is_not_what_they_answer() -> None:
    _, found = actions([("Ana Ruiz", "Could someone call the caterer?"), ("Ana Ruiz", "I can.")])
    assert found == []  # too short to be an item, and her own request in any case
    _, found = actions(
        [("Ana Ruiz", "Could someone call the caterer?"), ("Ana Ruiz", "Fine, I will do it.")]
    )
    assert [(a.task, a.request) for a in found] == [("do it", None)]


def test_the_item_line_cites_the_request_then_the_commitment() -> None:
    item = Item("action", 4, "draft the budget memo", "Ana Ruiz", None, None, request=3)
    assert item.line == "Ana Ruiz: draft the budget memo [3][4]"
    assert Item("action", 2, "send it", "Ana Ruiz").line == "Ana Ruiz: send it [2]"


def test_only_the_commitments_own_clause_decides_whether_it_points_back() -> None:
    _, found = actions(
        [
            ("Ben Lund", "Who can update the risk register?"),
            ("Ana Ruiz", "Well, to be honest I can do that, but not before the audit."),
        ]
    )
    assert [(a.task, a.request) for a in found] == [("update the risk register", 0)]


def test_a_request_in_an_unattributed_turn_is_someone_elses() -> None:
    said = meeting(
        [("Ben Lund", "Could someone archive the old tickets?"), ("Ana Ruiz", "I will do it.")]
    )
    said = [replace(s, chunk=replace(s.chunk, speaker=None)) if s.order == 0 else s for s in said]
    found = actions_in(said, PEOPLE)
    assert [(a.owner, a.task, a.request) for a in found] == [
        ("Ana Ruiz", "archive the old tickets", 0)
    ]


@pytest.mark.slow
def test_a_request_that_names_no_one_is_the_listeners_item() -> None:
    _, found = actions(
        [
            ("Ben Lund", "The council wants the venue contract this week."),
            ("Ana Ruiz", "I talked to the venue yesterday."),
            ("Ben Lund", "Then could you send the signed contract by Friday?"),
            ("Ana Ruiz", "The venue opens at nine."),
        ]
    )
    assert [(a.owner, a.assigned_by, a.due) for a in found] == [
        ("Ana Ruiz", "Ben Lund", "by Friday")
    ]
    assert "send the signed contract" in found[0].task


@pytest.mark.slow
def test_a_request_taken_on_in_reply_is_one_item_the_repliers() -> None:
    _, found = actions(
        [
            ("Ben Lund", "The council wants the venue contract this week."),
            ("Ana Ruiz", "I talked to the venue yesterday."),
            ("Ben Lund", "Could you send the signed contract to the venue?"),
            ("Ana Ruiz", "Sure, I can do that."),
        ]
    )
    assert [(a.owner, a.assigned_by) for a in found] == [("Ana Ruiz", None)]
    assert "send the signed contract" in found[0].task


@pytest.mark.slow
def test_a_request_between_two_other_speakers_has_no_owner() -> None:
    _, found = actions(
        [
            ("Carl Mets", "The catering quote came in at four thousand euros."),
            ("Ben Lund", "Could you ask the caterer for a cheaper quote?"),
            ("Ana Ruiz", "The venue opens at nine."),
        ]
    )
    assert found == []
