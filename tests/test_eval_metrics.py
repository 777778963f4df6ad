"""Metric functions on hand-made answers: a perfect file and a wrong one give known numbers."""

from __future__ import annotations

import math
from typing import Any

from eval.metrics import SHARES, ndcg_at, summarise

SOURCE = "Anna said the law starts in April. Bob said nothing of note."
QUESTIONS: list[dict[str, Any]] = [
    {
        "id": "a",
        "question": "When does the law start?",
        "answerable": True,
        "speakers": ["Anna"],
        "evidence": ["law starts in April"],
        "facts": [["april"]],
    },
    {
        "id": "u",
        "question": "What is the capital of Peru?",
        "answerable": False,
        "speakers": [],
        "evidence": [],
        "facts": [],
    },
]


def answer(
    text: str,
    refused: bool,
    speaker: str | None,
    contexts: list[str],
    start: int = 5,
    end: int = 34,
) -> dict[str, Any]:
    citations = (
        []
        if refused
        else [
            {
                "n": 1,
                "speaker": speaker,
                "affiliation": None,
                "quote": SOURCE[start:end],
                "chunk_id": "c",
                "source": "s.md",
                "start_char": start,
                "end_char": end,
            }
        ]
    )
    return {
        "answer": text,
        "refused": refused,
        "citations": citations,
        "contexts": [{"text": t} for t in contexts],
        "timings_ms": {"total": 10.0},
        "backend": "extractive",
    }


def test_a_perfect_answer_file_scores_one_everywhere() -> None:
    pairs = [
        (
            QUESTIONS[0],
            answer(
                "It starts in April. [1]",
                False,
                "Anna",
                ["Anna said the law starts in April.", "Bob said nothing."],
            ),
        ),
        (QUESTIONS[1], answer("The transcript does not cover this.", True, None, ["Bob said."])),
    ]
    m = summarise(pairs, lambda _: SOURCE)
    for key in SHARES[:-1]:  # all but false refusal
        assert m[key] == 1.0, key
    assert m["false_refusal"] == 0.0


def test_a_wrong_answer_file_scores_zero_where_it_is_wrong() -> None:
    pairs = [
        (
            QUESTIONS[0],
            answer(
                "It starts in May. [1]",
                False,
                "Bob",
                ["Bob said nothing.", "x", "y", "z", "w", "law starts in April"],
                start=0,
                end=10,
            ),
        ),
        (QUESTIONS[1], answer("Lima. [1]", False, "Bob", ["Bob said."])),
    ]
    m = summarise(pairs, lambda _: SOURCE)
    assert m["hit@1"] == 0.0 and m["hit@5"] == 0.0  # the evidence is only at rank 6
    assert m["mrr"] == 1 / 6 and m["ndcg@5"] == 0.0  # MRR looks at every context given
    assert m["fact_coverage"] == 0.0 and m["speaker_attribution"] == 0.0
    assert m["refusal_accuracy"] == 0.0
    assert m["citation_grounding"] == 1.0  # SOURCE[0:10] is quoted exactly: grounded, but wrong


def test_ndcg_rewards_the_evidence_ranked_higher() -> None:
    q = QUESTIONS[0]
    second = answer("", False, "Anna", ["x", "the law starts in April"])
    assert math.isclose(ndcg_at(second, q), 1 / math.log2(3))


def test_a_misquoted_citation_is_not_grounded() -> None:
    bad = answer("It starts in April. [1]", False, "Anna", ["law starts in April"])
    bad["citations"][0]["quote"] = "the law starts in April"
    m = summarise([(QUESTIONS[0], bad)], lambda _: SOURCE)
    assert m["citation_grounding"] == 0.0


def test_speaker_faithfulness_checks_the_turn_that_holds_each_quote() -> None:
    from eval.metrics import speaker_faithful

    def owners(source: str, start: int, end: int) -> set[str | None]:
        # "Ann" owns 0-100, the document 100-200; nothing holds a span across both
        return {"Ann"} if end <= 100 else {None} if start >= 100 else set()

    def answer(speaker: str | None, start: int, end: int) -> dict[str, object]:
        citation = {"speaker": speaker, "source": "s", "start_char": start, "end_char": end}
        return {"citations": [citation]}

    assert speaker_faithful(answer("Ann", 10, 20), owners)
    assert speaker_faithful(answer(None, 120, 130), owners)
    assert not speaker_faithful(answer("Bob", 10, 20), owners)  # wrong speaker named
    assert not speaker_faithful(answer(None, 90, 110), owners)  # spans two turns
    assert speaker_faithful({"citations": []}, owners)
