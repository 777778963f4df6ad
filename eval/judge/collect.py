"""The judge's training rows: each case asked as the product asks it (its document as the
filter), the candidates' features as the answerer computes them, and their labels.

A candidate is a positive when it lies inside the query's evidence turns *and* shares at
least `SHARED` content words with the annotators' written answer: QMSum's evidence is a long
stretch of turns (a median of about 25), most of whose sentences are about the topic without
saying what the answer says; a sentence that shares the answer's words does say it.

Each case also gives a copy as if it had been asked in another script than the transcripts
(Japanese over English): the similarities the cross-lingual models alone would give, no word
overlap, the `foreign` flag set. QMSum has no such questions; the copies teach the judge to
weigh what remains when words cannot be shared (its bar is then set on real ones).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm import tqdm

from eval.judge.data import Case, words_of
from eval.qmsum.data import Meeting
from eval.qmsum.turnmap import TurnMap
from retrieval import SENTENCE_FEATURES, Assistant, Request, block_cosines, expect

COLUMN = {name: i for i, name in enumerate(SENTENCE_FEATURES)}
SHARED = 2  # content words a positive shares with the written answer


@dataclass
class Row:
    """One case, as the judge sees it."""

    case: Case
    foreign: bool
    features: np.ndarray  # candidates x SENTENCE_FEATURES
    labels: np.ndarray  # per candidate: inside the evidence (always 0 for unanswerable cases)
    key_present: float
    key_missing: float
    expects_kind: bool
    n_terms: int
    weighted: float  # the weighted judge's confidence over the same candidates
    in_gold: np.ndarray  # per candidate: inside the evidence turns (the labels' first half)


@dataclass
class Collected:
    rows: list[Row] = field(default_factory=list)


def collect(assistant: Assistant, meetings: Sequence[Meeting], cases: Sequence[Case]) -> Collected:
    """Every case's candidates and labels, and its cross-lingual copy."""
    store = assistant.store
    maps = {m.name: TurnMap.of(store.sources[m.name], m.spoken) for m in meetings}
    weights, lingual = _block_weights(assistant)
    chunk_rows = {c.id: r for r, c in enumerate(store.chunks)}
    vectors = getattr(store, "index", None)
    out = Collected()
    answerer = assistant.answerer
    for case in tqdm(cases, desc="judge cases", unit="case"):
        query = assistant.retrieve(
            assistant.understand(Request(case.question, document=case.document))
        )
        cues = assistant.speakers.cue_text(list(query.speakers))
        expected = expect(query.question)
        candidates, terms = answerer.candidates(query, cues, expected)
        present, missing = answerer.key_terms(terms, query.documents)
        touched = maps[case.document].touched
        in_gold = np.asarray(
            [
                case.answerable
                and bool(touched(c.sentence.start_char, c.sentence.end_char) & case.gold)
                for c in candidates
            ],
            dtype=bool,
        )
        said = words_of(case.answer)
        labels = np.asarray(
            [
                g and len(words_of(c.text) & said) >= SHARED
                for g, c in zip(in_gold, candidates, strict=True)
            ],
            dtype=np.float64,
        )
        features = np.asarray([c.features for c in candidates]).reshape(
            len(candidates), len(SENTENCE_FEATURES)
        )
        weighted = answerer.weighted.confidence(features, False)
        kinds = bool(expected.kinds)
        out.rows.append(
            Row(
                case,
                False,
                features,
                labels,
                present,
                missing,
                kinds,
                len(set(terms)),
                weighted,
                in_gold,
            )
        )
        if vectors is not None and any(lingual):
            passages = [
                _passage_blocks(vectors, chunk_rows[c.chunk.id], query.vector, assistant)
                for c in candidates
            ]
            foreign = _as_foreign(candidates, passages, weights, lingual)
            alike = answerer.weighted.confidence(foreign, True)
            out.rows.append(Row(case, True, foreign, labels, 1.0, 0.0, kinds, 0, alike, in_gold))
    return out


def _block_weights(assistant: Assistant) -> tuple[list[float], list[bool]]:
    embedder = assistant.embedder
    parts = getattr(embedder, "parts", None) or [(embedder, 1.0)]
    return [float(w) for _, w in parts], [bool(e.cross_lingual) for e, _ in parts]


def _passage_blocks(
    vectors: object, row: int, question: np.ndarray, assistant: Assistant
) -> tuple[float, ...]:
    chunk = np.asarray(vectors.chunk_vectors.reconstruct(row))  # type: ignore[attr-defined]
    return block_cosines(chunk, question, assistant.embedder.blocks)


def _cross(cosines: Sequence[float], weights: Sequence[float], lingual: Sequence[bool]) -> float:
    """The cosine a question vector of the cross-lingual blocks alone would give."""
    kept = [
        (w, c) for w, c, x in zip(weights, cosines, lingual, strict=True) if x and not math.isnan(c)
    ]
    total = sum(w for w, _ in kept)
    return sum(w * c for w, c in kept) / math.sqrt(total) if total else 0.0


def _as_foreign(
    candidates: Sequence[Any],
    passages: Sequence[tuple[float, ...]],
    weights: Sequence[float],
    lingual: Sequence[bool],
) -> np.ndarray:
    rows = np.asarray([c.features for c in candidates], dtype=np.float64).reshape(
        len(candidates), len(SENTENCE_FEATURES)
    )
    for i, (c, passage) in enumerate(zip(candidates, passages, strict=True)):
        own = [b for b, x in zip(c.blocks, lingual, strict=True) if x and not math.isnan(b)]
        rows[i, COLUMN["cos"]] = _cross(c.blocks, weights, lingual)
        rows[i, COLUMN["cos_lo"]] = min(own, default=0.0)
        rows[i, COLUMN["cos_hi"]] = max(own, default=0.0)
        rows[i, COLUMN["passage"]] = _cross(passage, weights, lingual)
        rows[i, COLUMN["coverage"]] = 0.0
        rows[i, COLUMN["novelty"]] = 1.0
        rows[i, COLUMN["echo"]] = 0.0
        rows[i, COLUMN["foreign"]] = 1.0
    return rows
