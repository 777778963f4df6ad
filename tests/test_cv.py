"""Cross-validated tuning: folds keep paraphrases together, and the held-out figure comes from
numbers tuned without the questions it scores."""

from __future__ import annotations

import pytest

from eval.cv import Tuner, fold_of, group_of, objective, scorer, weight_grid
from eval.runner import load_questions
from retrieval import Assistant
from tests.support.seed import QUESTIONS_FILE


def test_paraphrases_share_a_group_and_so_a_fold() -> None:
    a = {"id": "q1", "evidence": ["does not include penalties"]}
    b = {"id": "q2", "evidence": ["does not include penalties", "other"]}
    c = {"id": "q3", "evidence": []}
    assert group_of(a) == group_of(b) != group_of(c) == "q3"
    assert fold_of(group_of(a)) == fold_of(group_of(b))
    assert {fold_of(str(n)) for n in range(200)} == {0, 1, 2, 3, 4}


def test_the_weight_grid_lies_on_the_simplex() -> None:
    grid = weight_grid(0.25)
    assert all(abs(s + p + w - 1) < 1e-9 and s > 0 for s, p, w, _ in grid)
    assert len({g[:3] for g in grid}) == 10  # (1..4) x (0..) with a + b <= 4


def test_the_objective_counts_false_refusal_against() -> None:
    scores = {
        "fact_coverage": 1.0,
        "speaker_attribution": 1.0,
        "refusal_accuracy": 1.0,
        "false_refusal": 1.0,
    }
    assert objective(scores) == 0.75
    assert objective(scores | {"refusal_accuracy": float("nan")}) == pytest.approx(2 / 3)


@pytest.mark.slow
def test_held_out_answers_use_numbers_tuned_without_them(assistant: Assistant) -> None:
    questions = load_questions(QUESTIONS_FILE)[:24]
    tuner = Tuner(assistant, questions, scorer(assistant), [(0.5, 0.2, 0.3, 0.0)])
    result = tuner.cross_validate()
    assert len(result.pairs) == len(questions)  # every question answered once, held out
    assert sorted(q["id"] for q, _ in result.pairs) == sorted(q["id"] for q in questions)
    # what the fold saw when tuning excludes it: re-tuning on the others gives its numbers
    fold = [fold_of(group_of(q)) for q in questions]
    first = next(k for k in range(5) if k in fold)
    train = [i for i, f in enumerate(fold) if f != first]
    assert tuner.best(train) == result.per_fold[0]
    assert 0.0 <= result.cross_validated["fact_coverage"] <= 1.0
