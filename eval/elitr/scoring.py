"""ELITR-Bench scores: pure functions of a question and an answer record (the JSON contract of
`webinar-rag ask --json`), so they can be checked by hand.

ELITR-Bench has no evidence spans, only short reference answers, so answers are scored by
the reference's content words they contain (lower-case, punctuation stripped, NLTK's English
stopwords dropped, `[PERSON3]` read as `person3`), and "who" questions by whom the answer
names as responsible or, failing that, whom its first citation quotes. A context counts with
its speaker's name, as the LLM's prompt shows it. Every dev question is answerable, so each
refusal is a false one.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bm25s.stopwords import STOPWORDS_EN_PLUS  # NLTK's English list

from eval.elitr.data import Question
from eval.metrics import Record, percentile

STOPWORDS = frozenset(STOPWORDS_EN_PLUS)
_PLACEHOLDER = re.compile(r"\[([A-Z]+\d+)\]")  # [PERSON3], [ORGANIZATION1]
_CITATION = re.compile(r"\[\d+\]")  # an answer's own markers, "[1]": not words of the answer
_WORD = re.compile(r"[^\W_]+")
_PERSON = re.compile(r"\[(PERSON\d+)\]")
# Targets for the dev split, from the issue; (direction, value).
TARGETS = {
    "false_refusal": ("<=", 0.10),
    "who_attribution": (">=", 0.50),
    "answer_recall": (">=", 0.35),
}


def content_words(text: str) -> frozenset[str]:
    text = _PLACEHOLDER.sub(r" \1 ", _CITATION.sub(" ", text))
    return frozenset(w for w in _WORD.findall(text.lower()) if w not in STOPWORDS)


def recall(reference: str, text: str) -> float | None:
    """Share of the reference's content words found in `text`; None when it has none."""
    wanted = content_words(reference)
    if not wanted:
        return None
    return len(wanted & content_words(text)) / len(wanted)


def people(reference: str) -> frozenset[str]:
    """The people a reference answer names, as the log reader names speakers: PERSON3."""
    return frozenset(_PERSON.findall(reference))


def who_outcome(question: Question, answer: Record) -> str | None:
    """For a "who" question whose reference names a person: "responsible" when the answer
    names one of them as the person who will do it (its `responsible` field), "attributed"
    when its first citation quotes one of them, else why not (refused, no citation, a
    document-level citation, another speaker). None for any other question."""
    named = people(question.answer)
    if question.type != "who" or not named:
        return None
    if answer["refused"]:
        return "refused"
    if any(r.get("person") in named for r in answer.get("responsible", ())):
        return "responsible"
    if not answer["citations"]:
        return "no citation"
    speaker = answer["citations"][0]["speaker"]
    if speaker is None:
        return "document-level citation"
    return "attributed" if speaker in named else "another speaker"


@dataclass(frozen=True)
class Scored:
    """One answer's scores; None where a score does not apply."""

    question: Question
    refused: bool
    answer_recall: float | None  # 0 for a refusal
    context_recall: float | None  # over the retrieved contexts, refused or not
    shown_recall: float | None  # the answer plus its citations' speaker names
    who: str | None  # see `who_outcome`
    ms: float
    chars: int  # the answer's length: recall grows with it
    by_llm: bool  # the LLM's answer stood (else the offline one: refused, failed, unverified)


def _passage(record: Record) -> str:
    """A context or citation as a reader (or the LLM's prompt) sees it: `speaker: text`."""
    return f"{record.get('speaker') or ''}: {record.get('text', '')}"


def score(question: Question, answer: Record) -> Scored:
    contexts = " ".join(_passage(c) for c in answer["contexts"])
    speakers = " ".join(c["speaker"] or "" for c in answer["citations"])
    found = recall(question.answer, answer["answer"])
    shown = recall(question.answer, f"{answer['answer']} {speakers}")
    refused = bool(answer["refused"])
    return Scored(
        question=question,
        refused=refused,
        answer_recall=0.0 if refused and found is not None else found,
        context_recall=recall(question.answer, contexts),
        shown_recall=0.0 if refused and shown is not None else shown,
        who=who_outcome(question, answer),
        ms=float(answer["timings_ms"]["total"]),
        chars=len(answer["answer"]),
        by_llm=str(answer.get("backend", "")).startswith("llm"),
    )


def _mean(values: Sequence[float | None]) -> float:
    kept = [v for v in values if v is not None]
    return statistics.fmean(kept) if kept else math.nan


def aggregate(rows: Sequence[Scored]) -> dict[str, Any]:
    """Macro averages over questions (a question whose score does not apply is left out)."""
    who = [r.who for r in rows if r.who is not None]
    answered = [r for r in rows if not r.refused]
    latencies = [r.ms for r in rows]
    return {
        "questions": len(rows),
        "false_refusal": _mean([float(r.refused) for r in rows]),
        "who_questions": len(who),
        "who_attribution": _mean([float(w in ("attributed", "responsible")) for w in who]),
        "who_first_citation": _mean([float(w == "attributed") for w in who]),
        "answer_recall": _mean([r.answer_recall for r in rows]),
        "answered_recall": _mean([r.answer_recall for r in answered]),
        "context_recall": _mean([r.context_recall for r in rows]),
        "shown_recall": _mean([r.shown_recall for r in rows]),
        "answer_chars": _mean([float(r.chars) for r in answered]),
        "answered_by_llm": _mean([float(r.by_llm) for r in rows]),
        "p50_ms": percentile(latencies, 0.5),
        "p95_ms": percentile(latencies, 0.95),
    }


def met(metric: str, value: float) -> bool:
    direction, target = TARGETS[metric]
    return value <= target if direction == "<=" else value >= target
