"""Fitting the judge's two logistic regressions, and choosing its numbers, by grouped
cross-validation over meetings on the training data (scikit-learn, at training time only)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from eval.judge.collect import Row
from webinar_rag.models import Logistic

# The margins within which runners-up may be quoted, tried by choose_margin.
MARGINS = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3)

C_GRID = (0.01, 0.1, 1.0, 10.0)
FOLDS = 5


def _model(c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=2000)


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0  # a constant feature (never seen varying) weighs nothing
    return mean, scale


def _weights(y: np.ndarray, balanced: bool) -> np.ndarray | None:
    if not balanced:
        return None
    positive = float(y.mean())
    return np.where(y > 0, 0.5 / positive, 0.5 / (1 - positive))


def fit_logistic(
    x: np.ndarray, y: np.ndarray, groups: np.ndarray, names: Sequence[str], balanced: bool
) -> tuple[Logistic, float]:
    """The regularisation with the best grouped out-of-fold log loss, then a fit on all.
    `balanced`: both classes weigh the same (a probability for an even prior)."""
    from sklearn.model_selection import GroupKFold

    mean, scale = _standardise(x)
    z = (x - mean) / scale
    weights = _weights(y, balanced)
    best_c, best_loss = C_GRID[0], np.inf
    for c in C_GRID:
        loss = 0.0
        for train, test in GroupKFold(FOLDS).split(z, y, groups):
            w = None if weights is None else weights[train]
            model = _model(c).fit(z[train], y[train], sample_weight=w)
            p = np.clip(model.predict_proba(z[test])[:, 1], 1e-6, 1 - 1e-6)
            tw = np.ones(len(test)) if weights is None else weights[test]
            loss -= float(np.sum(tw * (y[test] * np.log(p) + (1 - y[test]) * np.log(1 - p))))
        if loss < best_loss:
            best_c, best_loss = c, loss
    model = _model(best_c).fit(z, y, sample_weight=weights)
    return Logistic(tuple(names), mean, scale, model.coef_[0], float(model.intercept_[0])), best_c


def grouped_oof(
    rows: Sequence[Row], fold_of: dict[str, int], names: Sequence[str], c: float
) -> list[np.ndarray]:
    """Each case's candidates' sentence probabilities from a model fitted without the
    case's document (answerable cases' labels only)."""
    out: list[np.ndarray] = [np.zeros(len(r.labels)) for r in rows]
    for fold in range(FOLDS):
        train = [r for r in rows if fold_of[r.case.document] != fold and r.case.answerable]
        train = [r for r in train if len(r.labels)]
        x = np.concatenate([r.features for r in train])
        y = np.concatenate([r.labels for r in train])
        mean, scale = _standardise(x)
        model = _model(c).fit((x - mean) / scale, y)
        logistic = Logistic(tuple(names), mean, scale, model.coef_[0], float(model.intercept_[0]))
        for i, r in enumerate(rows):
            if fold_of[r.case.document] == fold and len(r.labels):
                out[i] = logistic.probability(r.features)
    return out


def answerable_oof(x: np.ndarray, y: np.ndarray, groups: np.ndarray, c: float) -> np.ndarray:
    """Out-of-fold answerability probabilities (balanced classes)."""
    from sklearn.model_selection import GroupKFold

    out = np.zeros(len(y))
    weights = _weights(y, True)
    for train, test in GroupKFold(FOLDS).split(x, y, groups):
        mean, scale = _standardise(x[train])
        assert weights is not None
        model = _model(c).fit((x[train] - mean) / scale, y[train], sample_weight=weights[train])
        out[test] = model.predict_proba((x[test] - mean) / scale)[:, 1]
    return out


def threshold_for(
    p: np.ndarray, y: np.ndarray, max_false_refusal: float
) -> tuple[float, dict[str, float]]:
    """The refusal bar with the best balanced accuracy among those that refuse at most
    `max_false_refusal` of the answerable cases."""
    best: tuple[float, float, dict[str, float]] | None = None
    for t in np.unique(np.round(p, 3)):
        refused = p < t
        false_refusal = float(refused[y > 0].mean())
        refusal = float(refused[y == 0].mean())
        if false_refusal > max_false_refusal:
            continue
        balanced = (refusal + 1 - false_refusal) / 2
        if best is None or balanced > best[1]:
            best = (
                float(t),
                balanced,
                {"refusal_accuracy": round(refusal, 4), "false_refusal": round(false_refusal, 4)},
            )
    assert best is not None
    return best[0], {"threshold": round(best[0], 4), **best[2]}


def choose_margin(rows: Sequence[Row], probabilities: Sequence[np.ndarray], most: int = 3) -> float:
    """The quote margin with the best F1 of quoted sentences against the evidence."""

    best, best_f1 = MARGINS[0], -1.0
    for margin in MARGINS:
        tp = fp = fn = 0
        for r, p in zip(rows, probabilities, strict=True):
            if r.foreign or not r.case.answerable or not len(p):
                continue
            order = np.argsort(-p, kind="stable")
            chosen = [i for i in order[:most] if p[i] >= p[order[0]] - margin]
            hit = int(r.labels[chosen].sum())
            tp, fp, fn = tp + hit, fp + len(chosen) - hit, fn + int(r.labels.sum()) - hit
        f1 = 2 * tp / max(2 * tp + fp + fn, 1)
        if f1 > best_f1:
            best, best_f1 = margin, f1
    return best


def auc(p: np.ndarray, y: np.ndarray) -> float:
    """The area under the ROC curve (the chance a random positive outscores a negative)."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p))


def reliability(p: np.ndarray, y: np.ndarray, bins: int = 5) -> list[dict[str, Any]]:
    """Predicted against observed answerable share, per probability bin."""
    edges = np.linspace(0, 1, bins + 1)
    found = []
    for low, high in itertools.pairwise(edges):
        inside = (p >= low) & ((p < high) | (high == 1))
        if inside.any():
            found.append({"bin": f"{low:.1f}-{high:.1f}", "n": int(inside.sum()),
                          "predicted": round(float(p[inside].mean()), 3),
                          "observed": round(float(y[inside].mean()), 3)})  # fmt: skip
    return found
