"""The two answer judges: the shipped learned one reads as JSON, names its training data and
matches the features this version computes; the environment chooses between them; a judge
file that does not fit is one clear error, not a wrong answer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from retrieval import QUESTION_FEATURES, SENTENCE_FEATURES, Assistant
from retrieval.answerer.judge import LearnedJudge
from webinar_rag.core import ConfigError, ModelNotFound, QuerySettings
from webinar_rag.models import JudgeModel, load_judge
from webinar_rag.models.judge import Logistic

ROOT = Path(__file__).resolve().parent.parent


def test_the_shipped_judge_is_json_that_names_its_data_and_features() -> None:
    model = load_judge()
    assert model.sentence.features == SENTENCE_FEATURES
    assert model.answerable.features == QUESTION_FEATURES
    trained = model.trained_on
    assert "qmsum/train" in trained["data"] and trained["command"].startswith("python -m eval")
    # No path of the machine it was trained on.
    assert not any(str(v).startswith("/") for v in trained.values() if isinstance(v, str))
    assert 0.0 < model.threshold < 1.0
    assert len(model.sentence.weights) == len(SENTENCE_FEATURES)


def test_a_logistic_is_the_sigmoid_of_its_standardised_weights() -> None:
    unit = Logistic(
        ("a", "b"), np.array([1.0, 0.0]), np.array([2.0, 1.0]), np.array([1.0, -1.0]), 0.5
    )
    rows = np.array([[3.0, 1.0], [1.0, 0.0]])
    expected = 1 / (1 + np.exp(-np.array([(3 - 1) / 2 - 1 + 0.5, 0.5])))
    assert np.allclose(unit.probability(rows), expected)
    # A round trip through the record keeps it.
    again = Logistic.of(json.loads(json.dumps(unit.to_record())))
    assert np.allclose(again.probability(rows), expected)


def test_the_environment_chooses_the_judge() -> None:
    assert QuerySettings.from_env({}).judge == "weighted"
    assert QuerySettings.from_env({"WEBINAR_RAG_JUDGE": "learned"}).judge == "learned"
    with pytest.raises(ConfigError, match=r"WEBINAR_RAG_JUDGE='clever'.*weighted.*learned"):
        QuerySettings.from_env({"WEBINAR_RAG_JUDGE": "clever"})


def test_a_judge_trained_on_other_features_is_refused(tmp_path: Path) -> None:
    record = load_judge().to_record()
    record["sentence"]["features"] = [*record["sentence"]["features"][:-1], "renamed"]
    path = tmp_path / "judge.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(ModelNotFound, match=r"eval\.judge\.train"):
        LearnedJudge(JudgeModel.of(json.loads(path.read_text())), QuerySettings())


def test_an_unreadable_judge_file_names_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "judge.json"
    path.write_text('{"sentence": ', encoding="utf-8")
    with pytest.raises(ModelNotFound, match=r"python -m eval\.judge\.train"):
        load_judge(path)


def test_the_fusion_default_is_the_weight_the_fit_chose() -> None:
    """BM25's weight in the fusion is learned (`python -m eval.fusion`: fitted on QMSum train,
    chosen on the development corpora); the product's default is what that command chose."""
    fusion = json.loads((ROOT / "webinar_rag" / "models" / "fusion.json").read_text("utf-8"))
    assert "qmsum/train" in fusion["fitted_on"] and fusion["command"] == "python -m eval.fusion"
    assert fusion["bm25_weight"] in (fusion["fitted"], 1.0)
    assert QuerySettings().bm25_weight == fusion["bm25_weight"]


@pytest.mark.slow
def test_the_learned_judge_answers_with_a_probability_and_refuses_an_absent_subject(
    assistant: Assistant,
) -> None:
    learned = assistant.with_settings(judge="learned")
    answer = learned.ask("What does Japan's AI bill enforce?")
    assert not answer.refused and answer.citations
    assert 0.0 <= answer.confidence <= 1.0
    assert answer.confidence >= load_judge().threshold
    # Its subject appears nowhere in the transcripts: refused, whatever some sentence says.
    absent = learned.ask("How many parking spaces does the new stadium in Lima have?")
    assert absent.refused and not absent.citations
    assert absent.confidence < answer.confidence
