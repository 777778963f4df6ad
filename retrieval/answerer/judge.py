"""Two judges of the same candidates, one interface: how well each sentence answers, whether
the transcripts answer at all, and the bar under which the answer is a refusal.

- `WeightedJudge` (the default): the hand-weighted sum (meaning, passage, words, kind bonus,
  one threshold), tuned on the seed development set by grouped cross-validation.
- `LearnedJudge` (`QuerySettings.judge="learned"`): the logistic regressions of
  webinar_rag/models/judge.json, trained on QMSum train; `confidence` is a probability that
  the documents answer. It did not beat the weighted sum on the development sets
  (eval/results/report.md, eval/results/judge.md), so it is an option, not the default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.answerer.features import QUESTION_FEATURES, SENTENCE_FEATURES, Candidate
from webinar_rag.core import ModelNotFound, QuerySettings
from webinar_rag.models import JudgeModel

COLUMN = {name: i for i, name in enumerate(SENTENCE_FEATURES)}


@dataclass(frozen=True)
class Verdict:
    scores: np.ndarray  # per candidate, higher answers better
    confidence: float  # that the transcripts answer (compared with `threshold`)
    threshold: float
    margin: float  # runners-up within this of the best are quoted too
    floor: float  # an LLM claim supported by a sentence under this is beside the point


class WeightedJudge:
    """The hand-set weighted sum: meaning, passage, words (off across scripts), kind bonus."""

    name = "weighted"

    def __init__(self, settings: QuerySettings) -> None:
        self.settings = settings

    def scores(self, x: np.ndarray, foreign: bool) -> np.ndarray:
        """The weighted sum of each row of candidate features (candidates x SENTENCE_FEATURES)."""
        s = self.settings
        semantic, passage, lexical = s.semantic_weight, s.passage_weight, s.lexical_weight
        if foreign:
            kept = semantic + passage
            semantic, passage, lexical = semantic / kept, passage / kept, 0.0
        return (
            semantic * x[:, COLUMN["cos"]]
            + passage * x[:, COLUMN["passage"]]
            + lexical * x[:, COLUMN["coverage"]]
            + s.kind_weight * x[:, COLUMN["kind"]]
        )

    def confidence(self, x: np.ndarray, foreign: bool) -> float:
        """The best weighted score: the confidence this judge compares with its bar."""
        return float(self.scores(x, foreign).max()) if len(x) else 0.0

    def judge(
        self, candidates: Sequence[Candidate], question: np.ndarray | None, foreign: bool
    ) -> Verdict:
        s = self.settings
        x = np.asarray([c.features for c in candidates]).reshape(
            len(candidates), len(SENTENCE_FEATURES)
        )
        scores = self.scores(x, foreign)
        if foreign:
            threshold = s.foreign_refusal_threshold
        else:
            threshold = s.weighted_threshold if s.refusal_threshold is None else s.refusal_threshold
        best = float(scores.max()) if len(scores) else 0.0
        return Verdict(scores, best, threshold, s.quote_margin, threshold)


class LearnedJudge:
    """The trained judge: sentence probabilities, then the question's answerability."""

    name = "learned"

    def __init__(self, model: JudgeModel, settings: QuerySettings) -> None:
        if (model.sentence.features, model.answerable.features) != (
            SENTENCE_FEATURES,
            QUESTION_FEATURES,
        ):
            raise ModelNotFound(
                "The answer judge was trained on other features than this version computes. "
                "Rebuild it with `python -m eval.judge.train`, or set WEBINAR_RAG_JUDGE=weighted."
            )
        self.model = model
        self.settings = settings

    def sentence_probabilities(self, candidates: Sequence[Candidate]) -> np.ndarray:
        if not candidates:
            return np.zeros(0)
        return self.model.sentence.probability(np.asarray([c.features for c in candidates]))

    def judge(
        self, candidates: Sequence[Candidate], question: np.ndarray | None, foreign: bool
    ) -> Verdict:
        scores = self.sentence_probabilities(candidates)
        confidence = (
            self.model.answerability(question, foreign)
            if question is not None and len(candidates)
            else 0.0
        )
        threshold = self.settings.refusal_threshold
        if threshold is None:
            threshold = self.model.threshold
        margin = float(self.model.trained_on.get("quote_margin", 0.1))
        return Verdict(scores, confidence, threshold, margin, self.model.sentence_floor)
