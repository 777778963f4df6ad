"""Cross-validated tuning: every number tuned on the development questions is scored on other
questions than those it was chosen on.

The tuned numbers are the extractive answerer's sentence-scoring weights (meaning, passage,
words, and the bonus for holding the kind of answer asked for) and the refusal threshold.
Questions are split into folds by group, so that paraphrases of one question (they
share their gold evidence) never sit on both sides; for each fold the numbers are chosen on the
other folds and the fold is answered with them. The held-out answers of all folds make the
cross-validated figure, the one to quote; tuning and scoring on all questions gives the
in-sample figure beside it. The product's defaults are the numbers tuned on all questions (the
cross-validated figure estimates what that tuning procedure gives on new questions).

Retrieval does not depend on these numbers, so each question is retrieved once and only the
answer step is re-run per candidate.
"""

from __future__ import annotations

import hashlib
import itertools
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from tqdm import tqdm

from eval.metrics import Record, facts_covered, speakers_match, summarise
from retrieval import REFUSAL, Assistant, Request
from webinar_rag.core import Answer, QuerySettings

FOLDS = 5
WEIGHT_STEP = 0.1
THRESHOLDS = [step / 100 for step in range(20, 81)]
# What tuning maximises: the mean of the four shares the product is judged on.
OBJECTIVE = ("fact_coverage", "speaker_attribution", "refusal_accuracy", "false_refusal")


KIND_WEIGHTS = (0.0, 0.05, 0.1, 0.15, 0.2)
Weights = tuple[float, float, float, float]  # semantic, passage, lexical, kind


@dataclass(frozen=True)
class Params:
    semantic_weight: float
    passage_weight: float
    lexical_weight: float
    kind_weight: float
    refusal_threshold: float

    def weights(self) -> Weights:
        return self.semantic_weight, self.passage_weight, self.lexical_weight, self.kind_weight

    def settings(self) -> dict[str, float]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class CVResult:
    cross_validated: dict[str, float]
    in_sample: dict[str, float]
    chosen: Params  # tuned on every question: the defaults to ship
    per_fold: tuple[Params, ...]
    pairs: tuple[tuple[Record, Record], ...]  # held-out (question, answer) pairs


def group_of(question: Record) -> str:
    """Paraphrases share their gold evidence; a question without evidence stands alone."""
    evidence = question.get("evidence") or []
    return str(question.get("group") or (evidence[0] if evidence else question["id"]))


def fold_of(group: str, folds: int = FOLDS) -> int:
    """A fixed fold per group (a hash, so adding questions does not reshuffle the others)."""
    return int(hashlib.sha256(group.encode()).hexdigest(), 16) % folds


def weight_grid(step: float = WEIGHT_STEP) -> list[Weights]:
    """Every (semantic, passage, lexical) on the simplex, in `step`s, semantic at least one
    step; each with every kind bonus of KIND_WEIGHTS."""
    n = round(1 / step)
    return [
        (round(a * step, 3), round(b * step, 3), round((n - a - b) * step, 3), kind)
        for a, b in itertools.product(range(1, n + 1), range(n + 1))
        if a + b <= n
        for kind in KIND_WEIGHTS
    ]


class Tuner:
    """Drafts of every question under every weight candidate, from one retrieval each; the
    threshold only decides which drafts become refusals, so it is swept over arrays."""

    def __init__(
        self,
        assistant: Assistant,
        questions: Sequence[Record],
        score: Callable[[Sequence[tuple[Record, Record]]], dict[str, float]],
        grid: Sequence[Weights] | None = None,
    ) -> None:
        self.questions = list(questions)
        self.score = score
        self.answerable = np.array([bool(q["answerable"]) for q in self.questions])
        retrieved = [
            assistant.retrieve(assistant.understand(Request(q["question"]))) for q in self.questions
        ]
        self.drafts: dict[Weights, list[Answer]] = {}
        # per weights: (confidence, facts covered, speakers right) of each question's draft
        self.marks: dict[Weights, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for w in tqdm(grid or weight_grid(), desc="cross-validation", file=sys.stderr):
            open_assistant = assistant.with_settings(
                semantic_weight=w[0], passage_weight=w[1], lexical_weight=w[2], kind_weight=w[3],
                refusal_threshold=-1.0, foreign_refusal_threshold=-1.0,
            )  # fmt: skip
            drafts = [_answer(open_assistant, query) for query in retrieved]
            self.drafts[w] = drafts
            records = [d.to_dict() for d in drafts]
            self.marks[w] = (
                np.array([d.confidence for d in drafts]),
                np.array([facts_covered(r, q) for r, q in zip(records, questions, strict=True)]),
                np.array([speakers_match(r, q) for r, q in zip(records, questions, strict=True)]),
            )

    def answers(self, params: Params, rows: Sequence[int]) -> list[tuple[Record, Record]]:
        """The (question, answer) pairs of some questions under some numbers."""
        drafts = self.drafts[params.weights()]
        return [(self.questions[i], _record(drafts[i], params.refusal_threshold)) for i in rows]

    def best(self, rows: Sequence[int]) -> Params:
        """The numbers that maximise the objective on these questions (ties: the first)."""
        idx = np.asarray(rows)
        ok = self.answerable[idx]
        thresholds = np.asarray(THRESHOLDS)[:, None]
        best: tuple[float, Params] | None = None
        for weights, (confidence, facts, speakers) in self.marks.items():
            refused = confidence[idx][None, :] < thresholds  # thresholds x questions
            parts = []
            if ok.any():
                answered = ~refused[:, ok]
                parts += [
                    (answered & facts[idx][ok]).mean(axis=1),
                    (answered & speakers[idx][ok]).mean(axis=1),
                    answered.mean(axis=1),  # 1 - false refusal
                ]
            if (~ok).any():
                parts.append(refused[:, ~ok].mean(axis=1))
            values = np.mean(parts, axis=0)
            k = int(np.argmax(values))
            if best is None or values[k] > best[0] + 1e-12:
                best = (float(values[k]), Params(*weights, THRESHOLDS[k]))
        assert best is not None
        return best[1]

    def cross_validate(self, folds: int = FOLDS) -> CVResult:
        fold = [fold_of(group_of(q), folds) for q in self.questions]
        everyone = list(range(len(self.questions)))
        held_out: list[tuple[Record, Record]] = []
        chosen = []
        for k in range(folds):
            train = [i for i in everyone if fold[i] != k]
            test = [i for i in everyone if fold[i] == k]
            if not test:
                continue
            params = self.best(train)
            chosen.append(params)
            held_out += self.answers(params, test)
        final = self.best(everyone)
        return CVResult(
            cross_validated=self.score(held_out),
            in_sample=self.score(self.answers(final, everyone)),
            chosen=final,
            per_fold=tuple(chosen),
            pairs=tuple(held_out),
        )


def objective(scores: dict[str, float]) -> float:
    values = [
        1 - scores[k] if k == "false_refusal" else scores[k]
        for k in OBJECTIVE
        if scores.get(k) == scores.get(k)  # NaN when a set has no such question
    ]
    return statistics.fmean(values) if values else 0.0


def scorer(assistant: Assistant) -> Callable[[Sequence[tuple[Record, Record]]], dict[str, float]]:
    def score(pairs: Sequence[tuple[Record, Record]]) -> dict[str, float]:
        return summarise(pairs, assistant.source_text)

    return score


def _answer(assistant: Assistant, query: Any) -> Answer:
    answer = assistant.finish(assistant.draft(query)).answer
    assert answer is not None
    return answer


def _record(draft: Answer, threshold: float) -> Record:
    """The draft as the product would give it with this refusal threshold."""
    if draft.confidence < threshold:
        draft = replace(draft, text=REFUSAL, refused=True, citations=())
    return draft.to_dict()


# The tuning procedures compared under cross-validation: what is tuned, and on which grid.
PROCEDURES: dict[str, Callable[[QuerySettings], list[Weights]]] = {
    "threshold only": lambda s: [
        (s.semantic_weight, s.passage_weight, s.lexical_weight, s.kind_weight)
    ],
    "kind bonus and threshold (the product's)": lambda s: [
        (s.semantic_weight, s.passage_weight, s.lexical_weight, k) for k in KIND_WEIGHTS
    ],
    "all four weights and threshold": lambda s: weight_grid(),
}
PRODUCT = "kind bonus and threshold (the product's)"


def compare(assistant: Assistant, questions: Sequence[Record]) -> dict[str, CVResult]:
    """Each tuning procedure's cross-validated and in-sample result on these questions."""
    score = scorer(assistant)
    return {
        name: Tuner(assistant, questions, score, grid(assistant.settings.query)).cross_validate()
        for name, grid in PROCEDURES.items()
    }


def section(results: dict[str, CVResult], settings: QuerySettings, foreign: bool) -> list[str]:
    """The report's cross-validation section: held-out figures first, in-sample beside."""
    keys = ("fact_coverage", "speaker_attribution", "refusal_accuracy", "false_refusal", "hit@5")
    threshold = "foreign_refusal_threshold" if foreign else "refusal_threshold"
    lines = [
        "## Cross-validation (the headline figures)",
        "",
        f"Tuned numbers are chosen on other questions than those they are scored on: {FOLDS} "
        "folds, grouped so that paraphrases of one question (same gold evidence) stay in one "
        "fold; each fold is answered with the numbers tuned on the other four (objective: the "
        "mean of fact coverage, attribution, refusal accuracy and 1 - false refusal). "
        "*held-out* is that figure; *in-sample* tunes and scores on all questions.",
        "",
        "| tuning procedure | " + " | ".join(f"{k} held-out / in-sample" for k in keys) + " |",
        "| --- |" + " ---: |" * len(keys),
    ]
    for name, r in results.items():
        cells = [f"{r.cross_validated[k]:.3f} / {r.in_sample[k]:.3f}" for k in keys]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    chosen = results[PRODUCT].chosen
    lines += [
        "",
        f"The product's defaults come from *{PRODUCT}* tuned on all questions: kind_weight "
        f"{chosen.kind_weight}, {threshold} {chosen.refusal_threshold:.2f} (configured: "
        f"{settings.kind_weight}, {getattr(settings, threshold)}). Per fold: "
        + "; ".join(
            f"{p.kind_weight} / {p.refusal_threshold:.2f}" for p in results[PRODUCT].per_fold
        )
        + ".",
    ]
    everything = objective(results["all four weights and threshold"].cross_validated)
    product = objective(results[PRODUCT].cross_validated)
    if everything < product:
        lines[-1] += (
            " Tuning the three other weights as well gives a worse held-out figure (objective "
            f"{everything:.3f} against {product:.3f}), so they keep their hand-set values."
        )
    return lines
