"""The ELITR-Bench action-item share's rules (eval/overview_elitr.py) on hand-made questions
and overviews: which questions are selected, and when an item counts as the answer. Fast: no
model, no data."""

from __future__ import annotations

import pytest

from eval.elitr.data import Question
from eval.overview_elitr import judge, kind_of, shares_task, task_stems
from retrieval import Overview
from retrieval.overview import Item
from webinar_rag.core import Citation


def question(text: str, answer: str) -> Question:
    return Question("m", "1", "who", "B", text, answer)


def overview(*items: Item) -> Overview:
    c = Citation(1, "PERSON2", None, "said", "id", "m.txt", 0, 4)
    actions = tuple(i for i in items if i.kind == "action")
    decisions = tuple(i for i in items if i.kind == "decision")
    return Overview(("m.txt",), None, None, 150, (c,), (1,), (), actions, decisions, ())


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Who will write an introduction?", "task"),
        ("Who is in charge of the report?", "task"),
        ("What was decided about the venue?", "decision"),
        ("What should [PERSON3] do next?", "action"),
        ("Who offered to read the chapters?", "action"),
        ("Who attended the meeting?", None),
        ("What is the shared task about?", None),
    ],
)
def test_the_selection(text: str, kind: str | None) -> None:
    assert kind_of(question(text, "x")) == kind


def test_a_task_needs_two_shared_stems_unless_the_gold_has_fewer() -> None:
    gold = task_stems("Who will take care of the list of figures for the book? [PERSON6]")
    assert gold == {"list", "figur", "book"}  # frame words and the placeholder are left out
    assert shares_task(gold, "prepare the list of figures")
    assert not shares_task(gold, "read the book")
    assert shares_task(frozenset({"introduct"}), "write the introduction")
    assert not shares_task(frozenset(), "anything")


def test_owner_and_task_both_have_to_match() -> None:
    q = question("Who will write an introduction?", "[PERSON6]")
    right = Item("action", 1, "write the introduction by Friday", "PERSON6", "PERSON2")
    other = Item("action", 1, "write the introduction", "PERSON5")
    assert judge(q, "task", overview(right))["found"]
    row = judge(q, "task", overview(other))
    assert not row["found"] and row["reason"] == "no item owned by the gold person"
    row = judge(q, "task", overview(Item("action", 1, "fix the server", "PERSON6")))
    assert row["reason"] == "the gold person's items have another task"
    assert judge(q, "task", overview())["reason"] == "no items"


def test_an_organisation_is_never_found_and_a_decision_needs_no_owner() -> None:
    org = question("Who will provide the server for the demo?", "[ORGANIZATION5]")
    row = judge(org, "task", overview(Item("action", 1, "provide the demo server", "PERSON1")))
    assert not row["found"] and row["organisation"]
    decided = question("Which scenario was chosen for the demo setup?", "Plan C")
    said = Item("decision", 1, "We agreed to go with plan C for the demo.")
    assert judge(decided, "decision", overview(said))["found"]
    assert not judge(decided, "decision", overview(Item("decision", 1, "We agreed.")))["found"]
