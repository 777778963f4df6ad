"""The learned answer judge: two logistic regressions, shipped as JSON (no pickle).

- `sentence`: the probability that a candidate sentence lies in the evidence for a question
  (trained on QMSum train: the annotated evidence turns of each query);
- `answerable`: the probability that the searched documents answer the question at all (its
  own meeting's queries against the same queries asked of another meeting of the same domain,
  and queries whose key term was swapped for one the meeting never uses).

Both read named features (retrieval.answerer.features), standardised with the training data's
means and scales, so each weight says how much its feature counts. The file names its training
data and the command that rebuilt it (`python -m eval.judge.train`). Inference is a few dot
products: numpy only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from webinar_rag.core import ModelNotFound

JUDGE_FILE = "judge.json"


@dataclass(frozen=True)
class Logistic:
    """A standardised logistic regression: p = sigmoid(w . (x - mean) / scale + b)."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    intercept: float

    @classmethod
    def of(cls, record: dict[str, Any]) -> Logistic:
        return cls(
            tuple(record["features"]),
            np.asarray(record["mean"], np.float64),
            np.asarray(record["scale"], np.float64),
            np.asarray(record["weights"], np.float64),
            float(record["intercept"]),
        )

    def to_record(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "weights": [round(float(v), 6) for v in self.weights],
            "intercept": round(self.intercept, 6),
        }

    def logit(self, rows: np.ndarray) -> np.ndarray:
        x = (np.atleast_2d(rows) - self.mean) / self.scale
        return np.asarray(x @ self.weights + self.intercept, np.float64)

    def probability(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(1.0 / (1.0 + np.exp(-self.logit(rows))), np.float64)


@dataclass(frozen=True)
class JudgeModel:
    sentence: Logistic
    answerable: Logistic
    threshold: float  # refuse below this answerability (chosen on the training data)
    # Added to the answerability logit for a question in another script than the transcripts:
    # cross-lingual similarities run lower (chosen by cross-validation on Japanese questions).
    foreign_offset: float
    # An LLM claim whose supporting sentence scores under this is beside the point.
    sentence_floor: float
    trained_on: dict[str, Any]

    @classmethod
    def of(cls, record: dict[str, Any]) -> JudgeModel:
        return cls(
            Logistic.of(record["sentence"]),
            Logistic.of(record["answerable"]),
            float(record["threshold"]),
            float(record.get("foreign_offset", 0.0)),
            float(record["sentence_floor"]),
            dict(record.get("trained_on", {})),
        )

    def to_record(self) -> dict[str, Any]:
        return {
            "sentence": self.sentence.to_record(),
            "answerable": self.answerable.to_record(),
            "threshold": round(self.threshold, 6),
            "foreign_offset": round(self.foreign_offset, 6),
            "sentence_floor": round(self.sentence_floor, 6),
            "trained_on": self.trained_on,
        }

    def answerability(self, rows: np.ndarray, foreign: bool = False) -> float:
        logit = float(self.answerable.logit(rows)[0]) + (self.foreign_offset if foreign else 0.0)
        return 1.0 / (1.0 + float(np.exp(-logit)))


def load_judge(path: Path | None = None) -> JudgeModel:
    """The judge shipped with the package, or the one at `path`."""
    return _load(str(path) if path else "")


@lru_cache(maxsize=4)
def _load(path: str) -> JudgeModel:
    try:
        if path:
            text = Path(path).read_text(encoding="utf-8")
        else:
            text = resources.files("webinar_rag.models").joinpath(JUDGE_FILE).read_text("utf-8")
        return JudgeModel.of(json.loads(text))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        where = path or f"webinar_rag/models/{JUDGE_FILE}"
        raise ModelNotFound(
            f"The answer judge at {where} cannot be read ({exc}). Rebuild it with "
            "`python -m eval.judge.train`, or reinstall webinar-rag."
        ) from exc
