"""The ELITR-Bench report: targets met or not, the tables, and why answers fail, in aggregate.

It reads only the summary written to elitr.json (numbers and question ids; no question,
answer or transcript text, which the data set's authors keep out of crawlers' reach).
"""

from __future__ import annotations

import math
from typing import Any

from eval.elitr.data import TYPES
from eval.elitr.scoring import TARGETS

COLUMNS = (
    ("questions", "questions"),
    ("false_refusal", "false refusal"),
    ("who_attribution", "who-attribution"),
    ("answer_recall", "answer recall"),
    ("answered_recall", "recall when answered"),
    ("shown_recall", "answer + speakers recall"),
    ("context_recall", "context recall"),
    ("answer_chars", "answer chars"),
    ("p50_ms", "p50 ms"),
    ("p95_ms", "p95 ms"),
)
BY_MEETING = (
    ("false_refusal", "false refusal"),
    ("answer_recall", "answer recall"),
    ("context_recall", "context recall"),
)
LABELS = dict(COLUMNS)


def _cell(key: str, row: dict[str, Any]) -> str:
    value = row.get(key, math.nan)
    if key == "questions":
        return str(value)
    if isinstance(value, float) and math.isnan(value):
        return "–"
    if key.endswith(("_ms", "_chars")):
        return f"{value:.0f}"
    if key == "who_attribution":
        return f"{value:.3f} (of {row['who_questions']})"
    return f"{value:.3f}"


def _table(first: str, rows: list[tuple[str, dict[str, Any]]]) -> list[str]:
    lines = [
        f"| {first} | " + " | ".join(label for _, label in COLUMNS) + " |",
        "| --- |" + " ---: |" * len(COLUMNS),
    ]
    for name, row in rows:
        lines.append(f"| {name} | " + " | ".join(_cell(k, row) for k, _ in COLUMNS) + " |")
    return lines


def _targets(configs: dict[str, Any]) -> list[str]:
    product = [name for name, c in configs.items() if "targets" in c]
    lines = [
        "| metric | target | " + " | ".join(product) + " |",
        "| --- | ---: |" + " ---: |" * len(product),
    ]
    for metric, (direction, value) in TARGETS.items():
        cells = []
        for name in product:
            t = configs[name]["targets"][metric]
            cells.append(f"{t['value']:.3f} ({'met' if t['met'] else 'not met'})")
        lines.append(f"| {LABELS[metric]} | {direction} {value:.2f} | " + " | ".join(cells) + " |")
    return lines


def _meetings(summary: dict[str, Any]) -> list[str]:
    """One row a meeting: what the reader made of it, and each configuration's scores."""
    configs = summary["configurations"]
    head = ["meeting", "read as", "speakers", "sentences asking"]
    head += [f"{name}: {label}" for name in configs for _, label in BY_MEETING]
    lines = ["| " + " | ".join(head) + " |", "| --- | --- |" + " ---: |" * (len(head) - 2)]
    for f in summary["index"]["files"]:
        meeting = f["name"].removesuffix(".txt")
        cells = [meeting, f["format"], str(f["speakers"]), f"{f['asking']:.2f}"]
        cells += [
            _cell(key, c["by_meeting"].get(meeting, {}))
            for c in configs.values()
            for key, _ in BY_MEETING
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _failures(name: str, c: dict[str, Any]) -> list[str]:
    f = c["failures"]
    refused_by_type = ", ".join(f"{t} {n}" for t, n in f["refused_by_type"].items() if n)
    outcomes = ", ".join(f"{k} {v}" for k, v in c["who_outcomes"].items())
    text = (
        f"**{name}.** Refused {len(f['refused'])} of {c['all']['questions']} questions"
        + (f" ({refused_by_type})" if refused_by_type else "")
        + (
            f"; {f['refused_with_context']} of those refusals had some of the reference's "
            "words in their contexts"
            if f["refused"]
            else ""
        )
        + ". The 'who' questions naming a person (responsible: named as the person who will "
        "do it, or as the one another speaker says did it; else by first citation): "
        + (outcomes or "none")
        + f". Answered, but with none of the reference's words although the contexts held "
        f"some: {len(f['answered_missed_context'])}. Contexts holding none of the reference's "
        f"words: {len(f['context_empty'])}."
    )
    if c.get("confidence"):
        conf = c["confidence"]
        medians = [
            f"{conf[key]:.3f} when {label}"
            for key, label in (("refused_median", "refused"), ("answered_median", "answered"))
            if conf.get(key) is not None and not math.isnan(conf[key])
        ]
        text += (
            f" Best-sentence score (the refusal test, threshold {conf['threshold']:.2f}): "
            f"median {', '.join(medians)}."
        )
    if name.startswith("product (llm"):
        text += (
            f" The LLM's own answer stood for {c['all']['answered_by_llm']:.0%} of the "
            "questions; the rest got the offline answer (refused before the LLM was asked, "
            "or its claims failed verification)."
        )
    missed = "; ".join(f"{k}: {', '.join(v)}" for k, v in f["who_missed"].items())
    return [
        text,
        "",
        f"- refused: {', '.join(f['refused']) or 'none'}",
        f"- 'who' not attributed: {missed or 'none'}",
        f"- answered without the reference's words that the contexts held: "
        f"{', '.join(f['answered_missed_context']) or 'none'}",
        f"- no reference word in the contexts: {', '.join(f['context_empty']) or 'none'}",
        "",
    ]


def write_up(summary: dict[str, Any]) -> str:
    configs = summary["configurations"]
    index = summary["index"]
    files = index["files"]
    formats = ", ".join(
        f"{f['name']} {f['format']} ({f['speakers']} speakers"
        + (f"; {'; '.join(f['notes'])}" if f["notes"] else "")
        + ")"
        for f in files
    )
    lines = [
        "# ELITR-Bench (dev) meeting question answering",
        "",
        f"Run {summary['date']} · {summary['meetings']} meetings · {summary['questions']} "
        "questions ("
        + ", ".join(f"{t} {n}" for t, n in summary["types"].items())
        + f") · model `{index['model']}` · ingest {summary['ingest']['seconds']:.0f} s · "
        f"runtime {summary['runtime_s']['total']:.0f} s (`{summary['command']}`, data "
        f"`{summary['data']}`).",
        "",
        "**Data.** ELITR-Bench (Thonet, Rozen & Besacier, COLING 2025) asks questions about long, "
        "real, anonymised project meetings (the ELITR Minuting Corpus); each has a short "
        "reference answer naming people as `[PERSONn]`, as the transcripts do. This is the dev "
        "split, `qa` version (every question stands alone). Every question is answerable. The "
        "product is judged on a held-out split: nothing here was tuned on these questions. "
        "Question and answer text stay out of this report; failures are named by id "
        "(`<meeting>#<question id>`).",
        "",
        f"**Index.** The {len(files)} transcripts, extracted to a temporary folder, went "
        "through the product's `ingest()` with format autodetection: "
        f"{formats}. {index['chunks']} chunks in all.",
        "",
        "**Asking.** Each question is asked about its own meeting: `Assistant.ask(question, "
        f"document=<meeting file>)`, top-{summary['settings']['top_k']} contexts, refusal "
        f"threshold {summary['settings']['refusal_threshold']}. Configurations:",
        "",
        *(f"- **{name}**: {c['description']}" for name, c in configs.items()),
        "",
        "**Scores** (macro averages over questions). *False refusal*: share of questions "
        "refused. *Who-attribution*: of the 'who' questions whose reference names a person, "
        "the share whose answer names one of them as the person asked for (`responsible`: "
        "who will do it, or who a quoted speaker says did it) "
        "or whose first citation quotes one of them (a refusal or a document-level "
        "citation is a miss; 'who' questions naming no person are left out). *Answer "
        "recall*: share of the reference's content words (lower-case, punctuation stripped, "
        "NLTK's English stopwords dropped, `[PERSON3]` -> `person3`) found in the answer's "
        "text (0 for a refusal). *Context recall*: the same over the retrieved contexts "
        "together (did retrieval find the words?). *Answer + speakers recall*: the answer's "
        "text plus the names of the speakers its citations quote, as a reader sees them "
        "(a diagnostic: a quote's speaker is shown beside it, not in its text).",
        "",
        "## Targets (dev)",
        "",
        *_targets(configs),
        "",
        "## All questions",
        "",
        *_table("configuration", [(n, c["all"]) for n, c in configs.items()]),
        "",
        "## By question type",
        "",
    ]
    for t in TYPES:
        rows = [(n, c["by_type"][t]) for n, c in configs.items() if t in c["by_type"]]
        if rows:
            lines += [f"### {t}", "", *_table("configuration", rows), ""]
    fusion = summary.get("fusion") or {}
    if fusion:
        lines += [
            "## Retrieval: the default fusion against dense only",
            "",
            "Paired over the same questions (default minus dense only; mean, 95% bootstrap "
            "interval over questions, 10,000 resamples):",
            "",
            *(
                f"- {metric.replace('_', ' ')}: {d['mean']:+.3f} [{d['low']:+.3f}, "
                f"{d['high']:+.3f}] over {d['questions']} questions"
                for metric, d in fusion.items()
            ),
            "",
        ]
    lines += ["## By answer position", ""]
    lines += [
        "B, M, E: the answer lies in the first, middle or last third of the meeting; S: in "
        "several places.",
        "",
    ]
    for position in sorted({p for c in configs.values() for p in c["by_position"]}):
        rows = [(n, c["by_position"][position]) for n, c in configs.items()]
        lines += [f"### {position}", "", *_table("configuration", rows), ""]
    lines += [
        "## By meeting",
        "",
        "*Sentences asking*: the share of the meeting's indexed sentences marked as part of a "
        "question (a question, or the premise before it in its paragraph), which the extractive "
        "answer never quotes unless the question is about asking.",
        "",
        *_meetings(summary),
        "",
    ]
    lines += ["## Why answers fail (aggregate)", ""]
    for name, c in configs.items():
        lines += _failures(name, c)
    lines += [
        "## Notes",
        "",
        f"- Runtime by stage (s): {summary['runtime_s']}; ingest by stage (s): "
        f"{summary['ingest']['stages']}.",
        "- Answer recall grows with the answer's length (see *answer chars*): the baseline's "
        "answer is three raw 1,000-character chunks, `(PERSONn)` labels included, the "
        "product's a few quoted sentences.",
        "- Latencies are per question on a shared 2-core machine: they compare within a run.",
    ]
    return "\n".join(lines) + "\n"
