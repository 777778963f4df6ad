"""Put every question to the product (and to the plain LangChain baseline), each about its
own meeting, and keep the answer records.

A user asks about one meeting, so the product answers with `ask(question, document=<its
meeting file>)`. The baseline knows no document filter; it gets one store per meeting (its
contexts then come from that meeting only, as the product's do), each over the same text the
index holds.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tqdm import tqdm

from eval.baseline import BASELINE_NAME, LangChainBaseline
from eval.elitr.data import Question
from eval.metrics import Record
from retrieval import Assistant
from webinar_rag.core import Backend
from webinar_rag.models import minilm_path

Ask = Callable[[Question], Record]


@dataclass(frozen=True)
class Row:
    """One configuration of the run: a name, what it is, and how it answers."""

    name: str
    description: str
    ask: Ask
    product: bool  # the targets are the product's


def product_row(assistant: Assistant, backend: Backend) -> Row:
    def ask(q: Question) -> Record:
        answer = assistant.ask(q.text, document=q.file, backend=backend)
        # The best sentence's score, which the refusal test compares with its threshold.
        return answer.to_dict(id=q.id) | {"confidence": answer.confidence}

    label = "extractive" if backend == "extractive" else f"llm:{assistant.settings.llm.model}"
    return Row(
        f"product ({label})",
        f"`Assistant.ask(question, document=<meeting file>, backend={backend!r})`",
        ask,
        product=True,
    )


def dense_row(assistant: Assistant) -> Row:
    """The extractive product with dense retrieval only: the evidence for the fusion choice."""
    row = product_row(assistant.with_settings(retrieval_mode="dense"), "extractive")
    return Row(
        "product (extractive, dense only)",
        "the same, with `retrieval_mode='dense'` (no BM25 in the fusion): the comparison that "
        "decides the retrieval default across corpora",
        row.ask,
        product=False,
    )


def judge_row(assistant: Assistant) -> Row:
    """The extractive product with the other answer judge (`QuerySettings.judge`): the learned
    one beside the weighted default, or the weighted one beside a learned default."""
    other = "weighted" if assistant.settings.query.judge == "learned" else "learned"
    row = product_row(assistant.with_settings(judge=other), "extractive")
    return Row(
        f"product (extractive, {other} judge)",
        f"the same, with `judge={other!r}`: which sentence answers and whether any does, "
        "decided by the other judge",
        row.ask,
        product=False,
    )


def baseline_row(assistant: Assistant, meetings: Sequence[str]) -> tuple[Row, float]:
    """The baseline, one store per meeting, and the seconds its stores took to build."""
    began = time.perf_counter()
    model = minilm_path()
    stores = {
        name: LangChainBaseline({name: assistant.store.sources[name].text}, model)
        for name in meetings
    }
    ready = time.perf_counter() - began

    def ask(q: Question) -> Record:
        return stores[q.file].ask(q.text, id=q.id)

    description = (
        "plain LangChain pipeline (`eval/baseline.py`), one store per meeting: its contexts come "
        "from the question's meeting only; its answer is its top 3 chunks, no speakers, never "
        "refuses"
    )
    return Row(BASELINE_NAME, description, ask, product=False), ready


def answer_all(rows: Sequence[Row], questions: Sequence[Question]) -> dict[str, list[Record]]:
    """Each question goes to every row in turn, so when other work slows the machine it slows
    every row alike; a first question is asked untimed, so no row pays first-call costs."""
    if questions:
        for row in rows:
            row.ask(questions[0])
    answers: dict[str, list[Record]] = {row.name: [] for row in rows}
    bar = tqdm(questions, desc=f"{len(rows)} configuration(s)", unit="q", file=sys.stderr)
    for q in bar:
        for row in rows:
            answers[row.name].append(row.ask(q))
    return answers
