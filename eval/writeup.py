"""The evaluation report: the summary table, what each row is, the baseline in plain terms,
every metric, the refusal sweep, and each configuration's failures, question by question."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eval.baseline import BaselineSettings
from eval.configurations import Configuration
from eval.metrics import (
    Record,
    best_row,
    best_threshold,
    facts_covered,
    rank_of_evidence,
    refusal_tradeoff,
    speakers_match,
)
from eval.runner import Outcome
from webinar_rag.core import Settings, normalise

# (key, column) of the summary table at the top of the report
SUMMARY = (
    ("hit@1", "hit@1"),
    ("hit@5", "hit@5"),
    ("mrr", "MRR"),
    ("ndcg@5", "nDCG@5"),
    ("fact_coverage", "facts"),
    ("speaker_attribution", "attribution"),
    ("every_speaker_cited", "every speaker"),
    ("citation_grounding", "grounding"),
    ("speaker_faithfulness", "in turn"),
    ("refusal_accuracy", "refusal acc"),
    ("false_refusal", "false refusal"),
    ("answer_chars", "answer chars"),
    ("p50_ms", "p50 ms"),
)


def write_up(
    plan: Sequence[Configuration],
    outcomes: Sequence[Outcome],
    results: Mapping[str, Mapping[str, Any]],
    settings: Settings,
    header: str,
    sweep_rows: list[dict[str, float]] | None,
    plots: Sequence[str] = (),
) -> str:
    names = list(results)
    lines = [
        "# Evaluation on the development questions",
        "",
        header,
        "",
        "## Summary",
        "",
        "| configuration | " + " | ".join(label for _, label in SUMMARY) + " |",
        "| --- |" + " ---: |" * len(SUMMARY),
    ]
    for c in plan:
        cells = [c.skipped or ""] + [""] * (len(SUMMARY) - 1)
        if c.name in results:
            cells = [cell(results[c.name].get(key)) for key, _ in SUMMARY]
        lines.append(f"| {c.name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "hit@k, MRR, nDCG@5: a retrieved passage holds the gold evidence. facts: the answer "
        "text holds every gold fact. attribution: the first citation is by the gold speaker "
        "(null for document-level text). grounding: every quote is verbatim at its offsets. "
        "in turn (speaker faithfulness): every citation lies inside a turn of the speaker it "
        "names. refusal acc: unanswerable questions refused; false refusal: answerable ones "
        "refused. answer chars: mean length of the answers given. p50 ms: median time from "
        "question to cited answer (the configurations take each question in turn, after one "
        "untimed warm-up question).",
    ]
    if plots:
        lines += ["", *(f"![{Path(p).stem}]({p})" for p in plots)]
    lines += ["", "## Configurations", ""]
    notes = {o.config.name: o.note for o in outcomes if o.note}
    lines += [
        f"- **{c.name}**: {c.description}."
        + (f" {notes[c.name]}." if c.name in notes else "")
        + (f" *{c.skipped}.*" if c.skipped else "")
        for c in plan
    ]
    baseline = next((o for o in outcomes if o.config.pipeline == "langchain"), None)
    if baseline is not None:
        hybrid = next((o for o in outcomes if o.config.name == "hybrid (default)"), None)
        lines += ["", "## The LangChain baseline", "", *baseline_notes(baseline, hybrid)]
    lines += [
        "",
        "## All metrics",
        "",
        "| metric | " + " | ".join(names) + " |",
        "| --- |" + " ---: |" * len(names),
    ]
    for key in results[names[0]]:
        lines.append(f"| {key} | " + " | ".join(cell(results[n].get(key)) for n in names) + " |")
    if sweep_rows:
        lines += [
            "",
            "## Refusal threshold sweep (the extractive judge, used by every backend)",
            "",
            "| threshold | refusal accuracy | false refusal |",
            "| --- | --- | --- |",
        ]
        lines += [
            f"| {r['threshold']:.2f} | {r['refusal_accuracy']:.3f} | {r['false_refusal']:.3f} |"
            for r in sweep_rows
        ]
        lines += [
            "",
            f"Best by Youden's J (refusal accuracy - false refusal): "
            f"{best_threshold(sweep_rows):.2f} (configured: {settings.query.refusal_threshold}).",
        ]
    for outcome in outcomes:
        fails = failures(outcome.pairs)
        lines += [
            "",
            f"## Failures: {outcome.config.name} ({len(fails)})",
            "",
            *(fails or ["none"]),
        ]
    return "\n".join(lines) + "\n"


def failures(pairs: Sequence[tuple[Record, Record]]) -> list[str]:
    lines = []
    for q, a in pairs:
        why = []
        if q["answerable"]:
            if a["refused"]:
                why.append("refused")
            if q.get("evidence") and rank_of_evidence(a, q) is None:
                why.append("evidence not retrieved")
            if not a["refused"] and not facts_covered(a, q):
                why.append("facts missing")
            if not a["refused"] and not speakers_match(a, q):
                cited = sorted({str(c["speaker"]) for c in a["citations"]})
                why.append(f"speakers {cited} != {q.get('speakers') or ['document']}")
        elif not a["refused"]:
            why.append("answered an unanswerable question")
        if why:
            lines.append(
                f"- {q['id']} {q['question']!r}: {'; '.join(why)}. Answer: {a['answer'][:160]!r}"
            )
    return lines


def baseline_notes(outcome: Outcome, hybrid: Outcome | None) -> list[str]:
    """What the baseline's numbers mean, in the terms a reader would ask about."""
    pairs = outcome.pairs
    answerable = [(q, a) for q, a in pairs if q["answerable"]]
    top1 = [
        facts_covered({"answer": normalise(a["contexts"][0]["text"]) if a["contexts"] else ""}, q)
        for q, a in answerable
    ]
    scored = [
        (q["answerable"], a["contexts"][0]["score"] if a["contexts"] else 0.0) for q, a in pairs
    ]
    best = best_row(refusal_tradeoff(scored, [step / 100 for step in range(101)]))
    chars = statistics.fmean(len(a["answer"]) for _, a in pairs) if pairs else math.nan
    notes = [
        f"- Its answer is the text of its top {BaselineSettings().answer_chunks} retrieved "
        f"chunks (mean {chars:.0f} characters), each cited with its offsets: the usual "
        "no-LLM LangChain answer. Grounding is 1.0 by construction, since it quotes whole chunks.",
        f"- With only its top chunk as the answer, fact coverage would be "
        f"{sum(top1) / max(len(top1), 1):.3f}.",
        "- It has no speakers: every citation's speaker is null, so attribution counts only "
        "the questions whose gold answer is document-level text.",
        "- It never refuses. Had it refused below a similarity threshold on its top chunk, "
        f"the best trade-off on these very questions (Youden's J, threshold "
        f"{best['threshold']:.2f}) would be refusal accuracy {best['refusal_accuracy']:.3f} "
        f"at false refusal {best['false_refusal']:.3f}.",
    ]
    if hybrid is not None and pairs and hybrid.pairs:
        ours, theirs = (statistics.median(o.latencies) for o in (hybrid, outcome))
        notes.append(
            f"- Median latency: {hybrid.config.name} {ours:.1f} ms, baseline {theirs:.1f} ms "
            f"(ratio {ours / theirs:.2f}). The baseline's query is one embedding and one FAISS "
            "search; the product's adds BM25, the fusion, speaker resolution, every model of "
            "its embedder and the scoring of each candidate sentence for the quotes."
        )
        notes.append(
            f"- Ready in: {hybrid.config.name} {hybrid.load_s:.1f} s (model and index from "
            f"disk, the first load of the process, imports included), baseline "
            f"{outcome.load_s:.1f} s (a second model load, then splitting and embedding the "
            "transcript in memory, as it must on every start)."
        )
    return notes


def cell(value: Any) -> str:
    """Shares with three decimals; times and lengths with one."""
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:.3f}" if abs(value) <= 1 else f"{value:.1f}"
    return "" if value is None else str(value)
