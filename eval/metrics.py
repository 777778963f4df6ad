"""Metric functions over answers in the JSON contract; pure, so they can be tested by hand."""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable, Sequence
from typing import Any

from webinar_rag.core import normalise

Record = dict[str, Any]  # one line of `webinar-rag ask --json`
_MARKER = re.compile(r"\[\d+\]")


def rank_of_evidence(answer: Record, question: Record) -> int | None:
    """1-based rank of the first context that holds any evidence string, or None."""
    evidence = [normalise(e).lower() for e in question.get("evidence", [])]
    for rank, ctx in enumerate(answer["contexts"], start=1):
        text = normalise(ctx["text"]).lower()
        if any(e in text for e in evidence):
            return rank
    return None


def ndcg_at(answer: Record, question: Record, k: int = 5) -> float:
    """Binary-relevance nDCG@k: a context is relevant if it holds an evidence string. The
    ideal ranking puts the relevant contexts found (at least one: the evidence exists) first."""
    evidence = [normalise(e).lower() for e in question.get("evidence", [])]
    rel = [
        any(e in normalise(ctx["text"]).lower() for e in evidence) for ctx in answer["contexts"][:k]
    ]
    dcg = sum(1 / math.log2(i + 2) for i, r in enumerate(rel) if r)
    ideal = sum(1 / math.log2(i + 2) for i in range(max(1, sum(rel))))
    return dcg / ideal


def facts_covered(answer: Record, question: Record) -> bool:
    text = answer["answer"].lower()
    return all(any(alt.lower() in text for alt in group) for group in question.get("facts", []))


def speakers_match(answer: Record, question: Record) -> bool:
    """`any`: the first citation is by a gold speaker; `all`: every gold speaker is cited.

    An empty gold list means document-level text (speaker null). Citing a `not_speakers`
    name is always wrong.
    """
    cited = [c["speaker"] for c in answer["citations"]]
    if not cited:
        return False
    gold: list[str | None] = list(question.get("speakers") or [None])
    if set(cited) & set(question.get("not_speakers", [])):
        return False
    if question.get("speakers_mode", "any") == "all":
        return all(g in cited for g in gold)
    return cited[0] in gold


def grounded(answer: Record, source_text: Callable[[str], str]) -> bool:
    """Every quote is verbatim at its offsets in its source."""
    return all(
        source_text(c["source"])[c["start_char"] : c["end_char"]] == c["quote"]
        for c in answer["citations"]
    )


# The metrics that are shares of questions, each in [0, 1].
SHARES = (
    "hit@1",
    "hit@5",
    "mrr",
    "ndcg@5",
    "fact_coverage",
    "speaker_attribution",
    "citation_grounding",
    "refusal_accuracy",
    "false_refusal",
)

# (source, start_char, end_char) -> the speakers whose turns contain that span (None: document).
Owners = Callable[[str, int, int], set[str | None]]


def speaker_faithful(answer: Record, owners: Owners) -> bool:
    """Every citation lies inside a turn of the speaker it names."""
    return all(
        c["speaker"] in owners(c["source"], c["start_char"], c["end_char"])
        for c in answer["citations"]
    )


def json_safe(value: Any) -> Any:
    """NaN (a metric with nothing to average) is not JSON: write null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def refusal_tradeoff(
    scored: Sequence[tuple[bool, float]], thresholds: Sequence[float]
) -> list[dict[str, float]]:
    """Refusal accuracy and false refusal if every answer scoring under t were refused;
    `scored` holds (answerable, score) per question."""
    unanswerable = [s for a, s in scored if not a]
    answerable = [s for a, s in scored if a]
    return [
        {
            "threshold": t,
            "refusal_accuracy": sum(s < t for s in unanswerable) / max(len(unanswerable), 1),
            "false_refusal": sum(s < t for s in answerable) / max(len(answerable), 1),
        }
        for t in thresholds
    ]


def best_row(rows: list[dict[str, float]]) -> dict[str, float]:
    """Youden's J: the row of `refusal_tradeoff` that most separates refusing the unanswerable
    from refusing the answerable (refusal accuracy minus false refusal); ties go to the lower
    threshold."""
    return max(rows, key=lambda r: (r["refusal_accuracy"] - r["false_refusal"], -r["threshold"]))


def best_threshold(rows: list[dict[str, float]]) -> float:
    return best_row(rows)["threshold"]


def summarise(
    pairs: Sequence[tuple[Record, Record]],
    source_text: Callable[[str], str],
    owners: Owners | None = None,
) -> dict[str, float]:
    """Aggregate metrics over (question, answer) pairs; `owners` adds speaker faithfulness."""
    answerable = [(q, a) for q, a in pairs if q["answerable"]]
    unanswerable = [(q, a) for q, a in pairs if not q["answerable"]]
    with_evidence = [(q, a) for q, a in answerable if q.get("evidence")]
    ranks = [rank_of_evidence(a, q) for q, a in with_evidence]

    def share(flags: Sequence[bool]) -> float:
        return sum(flags) / len(flags) if flags else math.nan

    latencies = [a["timings_ms"]["total"] for _, a in pairs]
    removed = sum(len(a.get("removed_claims", ())) for _, a in pairs)
    kept = sum(len(_MARKER.findall(a["answer"])) for _, a in pairs if not a["refused"])
    shown = [len(a["answer"]) for _, a in pairs if not a["refused"]]
    return {
        "questions": len(pairs),
        "hit@1": share([r == 1 for r in ranks]),
        "hit@5": share([r is not None and r <= 5 for r in ranks]),
        "mrr": statistics.fmean([1 / r if r else 0.0 for r in ranks]) if ranks else math.nan,
        "ndcg@5": statistics.fmean([ndcg_at(a, q) for q, a in with_evidence])
        if with_evidence
        else math.nan,
        "fact_coverage": share([facts_covered(a, q) for q, a in answerable]),
        "speaker_attribution": share([speakers_match(a, q) for q, a in answerable]),
        # Questions about several named speakers: every one of them is cited.
        "every_speaker_cited": share(
            [
                set(q["speakers"]) <= {c["speaker"] for c in a["citations"]}
                for q, a in answerable
                if q.get("speakers_mode") == "all" and len(q.get("speakers") or []) >= 2
            ]
        ),
        "citation_grounding": share([grounded(a, source_text) for _, a in pairs]),
        "speaker_faithfulness": share(
            [speaker_faithful(a, owners) for _, a in pairs if a["citations"]]
        )
        if owners
        else math.nan,
        "refusal_accuracy": share([a["refused"] for _, a in unanswerable]),
        "false_refusal": share([a["refused"] for _, a in answerable]),
        "answered_by_llm": share([a.get("backend", "").startswith("llm") for _, a in pairs]),
        "claims_removed": removed / (removed + kept) if removed + kept else 0.0,
        # How much a reader has to read: fact coverage means more beside a short answer.
        "answer_chars": statistics.fmean(shown) if shown else math.nan,
        "p50_ms": percentile(latencies, 0.5),
        "p95_ms": percentile(latencies, 0.95),
    }
