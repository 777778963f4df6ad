"""Get every configuration ready, put every question to each, and sweep the refusal threshold.

This is the part that talks to the assistant (or the baseline); the numbers are made from its
answers in metrics.py and the text in writeup.py.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TypeVar

from tqdm import tqdm

from eval.baseline import LangChainBaseline
from eval.configurations import Configuration
from eval.metrics import Record, best_threshold, refusal_tradeoff
from ingest import ingest
from retrieval import Assistant, read_questions
from webinar_rag.core import Backend, IndexSettings
from webinar_rag.models import load_embedder, minilm_path
from webinar_rag.store import open_store

SWEEP = [step / 100 for step in range(20, 71)]
T = TypeVar("T")


@dataclass(frozen=True)
class Prepared:
    """A configuration ready to answer: `ask(question record) -> answer record`."""

    config: Configuration
    ask: Callable[[Record], Record]
    load_s: float  # seconds to get it ready (see `prepare`)
    note: str | None = None  # what was tuned for it, for the report


@dataclass(frozen=True)
class Outcome:
    """What one configuration answered, and how long it took to get ready."""

    config: Configuration
    pairs: list[tuple[Record, Record]]
    load_s: float
    note: str | None = None

    @property
    def latencies(self) -> list[float]:
        return [float(a["timings_ms"]["total"]) for _, a in self.pairs]


def load_questions(path: Path) -> list[Record]:
    questions = read_questions(path)
    for n, q in enumerate(questions, start=1):
        q.setdefault("id", f"q{n}")
        q.setdefault("answerable", True)
    return questions


def progress(items: Sequence[T], label: str) -> Iterator[T]:
    """A progress bar on stderr (stdout carries the report)."""
    yield from tqdm(items, desc=label, unit="q", file=sys.stderr, dynamic_ncols=True)


def prepare(
    config: Configuration,
    assistant: Assistant,
    questions: Sequence[Record],
    workdir: Path,
    base_load_s: float,
) -> Prepared:
    """Build what the configuration needs. Its `load_s` counts the model and index loads
    (shared, `base_load_s`) plus any index of its own; the baseline's, its whole start."""
    if config.pipeline == "langchain" or config.ingest is not None:
        tqdm.write(f"{config.name}: building its index ...", file=sys.stderr)
    began = time.perf_counter()
    if config.pipeline == "langchain":
        texts = {name: s.text for name, s in assistant.store.sources.items()}
        baseline = LangChainBaseline(texts, minilm_path())
        ready = time.perf_counter() - began
        return Prepared(config, lambda q: baseline.ask(q["question"], id=q["id"]), ready)
    configured = _assistant_for(config, assistant, workdir)
    ready = base_load_s + time.perf_counter() - began
    notes = []
    if config.ingest is not None and "embed_model" in config.ingest:
        notes.append(f"Its index's model: `{configured.store.manifest.model}`")
    if config.tune_refusal:
        rows = sweep(configured, questions, f"{config.name}: threshold sweep")
        configured = configured.with_settings(refusal_threshold=best_threshold(rows))
        notes.append(
            f"Its refusal threshold, {configured.settings.query.refusal_threshold:.2f}, was chosen "
            "by the same sweep on this configuration: similarity scales differ between models"
        )
    answer = partial(_answer, configured, backend=config.backend)
    return Prepared(config, answer, ready, ". ".join(notes) or None)


def _answer(assistant: Assistant, question: Record, backend: Backend) -> Record:
    answer = assistant.ask(question["question"], backend=backend)
    return answer.to_dict(id=question["id"]) | {"removed_claims": answer.removed_claims}


def _assistant_for(config: Configuration, assistant: Assistant, workdir: Path) -> Assistant:
    settings = assistant.settings.changed(**config.query)
    if config.ingest is None:
        return Assistant(assistant.store, assistant.embedder, settings)
    settings = settings.changed(**config.ingest)
    folder = workdir / re.sub(r"\W+", "-", config.name).strip("-")
    # Its own index folder, never the configured store (a database is not the scratch space).
    settings = replace(settings, index=IndexSettings(index_dir=folder / "index"))
    same_model = settings.models.embed_model == assistant.settings.models.embed_model
    embedder = assistant.embedder if same_model else load_embedder(settings.models)
    # The same transcripts as the loaded index, whatever the working folder holds.
    (folder / "corpus").mkdir(parents=True)
    files = []
    for name, source in assistant.store.sources.items():
        files.append(folder / "corpus" / name)
        files[-1].write_bytes(source.text.encode("utf-8"))
    ingest(files, settings, rebuild=True, embedder=embedder)
    return Assistant(open_store(settings.index, embedder.name), embedder, settings)


def answer_all(prepared: Sequence[Prepared], questions: Sequence[Record]) -> list[Outcome]:
    """Each question goes to every configuration in turn, so when other work slows the
    machine it slows every row alike: latencies compare within a run."""
    if questions:
        for ready in prepared:
            ready.ask(questions[0])  # warm-up, untimed: no row pays for first-call costs
    pairs: list[list[tuple[Record, Record]]] = [[] for _ in prepared]
    label = f"{len(prepared)} configuration(s)"
    for q in progress(questions, label):
        for ready, found in zip(prepared, pairs, strict=True):
            found.append((q, ready.ask(q)))
    return [
        Outcome(ready.config, found, ready.load_s, ready.note)
        for ready, found in zip(prepared, pairs, strict=True)
    ]


def sweep(
    assistant: Assistant, questions: Sequence[Record], label: str = "threshold sweep"
) -> list[dict[str, float]]:
    """Refusal trade-off over thresholds, from each question's best-evidence score."""
    open_assistant = assistant.with_settings(refusal_threshold=-1.0)
    scores = [
        (q["answerable"], open_assistant.ask(q["question"], backend="extractive").confidence)
        for q in progress(questions, label)
    ]
    return refusal_tradeoff(scores, SWEEP)
