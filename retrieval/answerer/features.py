"""What the judge sees: every sentence of the retrieved passages that may be quoted, described
by features a learned model can weigh, and the question as a whole.

Per sentence: how close it is in meaning to the question (the whole vector, and each model of
an ensemble alone), how well its passage was retrieved, how much of the question's rarer words
it holds *and* how much of it is new (an answer adds information; an echo of the question does
not), whether it holds the kind of answer asked for, whether it asks, announces, opens its turn
or replies to a question, and who said it. Per question: how much of it the searched documents
mention at all (a question whose subject is absent is not answered, whatever number some
sentence carries), and the best candidates' features.

The names below are the contract with the judge's weights (webinar_rag/models/judge.json): a
new feature is a retraining (`python -m eval.judge.train`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.answerer.expect import Expectation
from retrieval.text import TermWeights, terms
from webinar_rag.core import HEADING, Chunk, Sentence, Source, Turn

SENTENCE_FEATURES = (
    "cos",  # the whole question vector against the sentence's (an ensemble's weighted mean)
    "cos_lo",  # the lowest of the ensemble's models' cosines (one model: the same)
    "cos_hi",  # the highest
    "passage",  # the cosine of the sentence's passage
    "rank",  # 1 / (1 + the passage's rank)
    "coverage",  # IDF-weighted share of the question's terms the sentence holds
    "novelty",  # IDF-weighted share of the sentence's terms the question does not hold
    "echo",  # coverage x (1 - novelty): restates the question, adds nothing
    "kind",  # holds the kind of answer asked for (a date for "when"...)
    "expects_kind",  # the question asks for a kind at all
    "asks",  # the sentence is (part of) a question
    "announces",  # it ends with a colon: what follows is the content
    "after_question",  # the turn before ends with a question: this one may answer it
    "opens_turn",  # the first sentence of its turn (greetings, restatements)
    "speaker_named",  # said by a speaker the question names
    "heading",  # a speaker's name-and-role line
    "unattributed",  # text of the document, not of a speaker
    "words",  # log(1 + words)
    "first_person",  # I / we: a speaker's own commitment or view
    "foreign",  # the question is in another script than the transcripts
)
QUESTION_FEATURES = (
    "p_best",  # the best sentence's probability of answering
    "p_second",
    "p_mean3",  # the mean of the best three
    "cos_best",  # the best sentence's cosine
    "coverage_best",  # the most any candidate holds of the question's terms
    "key_present",  # IDF-weighted share of the question's terms the searched documents use
    "key_missing",  # the IDF of the rarest term they never use (0: none missing)
    "expects_kind",
    "kind_best",  # the best sentence holds the kind asked for
    "foreign",
    "terms",  # log(1 + the question's content terms)
    "weighted_best",  # the hand-weighted judge's best score (its confidence), for comparison
)
_FIRST_PERSON = re.compile(r"\b(I|we|my|our|me|us)\b")


@dataclass(frozen=True)
class Candidate:
    """A sentence that may be quoted, its passage's place, and its features."""

    chunk: Chunk
    sentence: Sentence
    rank: int  # of its passage among the hits, from 0
    passage: float  # its passage's cosine
    text: str
    features: np.ndarray  # SENTENCE_FEATURES, in that order
    blocks: tuple[float, ...]  # each model's cosine (nan where the question has no block)


def block_cosines(
    sentence: np.ndarray, question: np.ndarray, blocks: Sequence[slice]
) -> tuple[float, ...]:
    """Each model's own cosine, from the two ensemble vectors' blocks (nan for a model the
    question leaves out, as across languages)."""
    found = []
    for b in blocks:
        s, q = sentence[b], question[b]
        ns, nq = float(np.linalg.norm(s)), float(np.linalg.norm(q))
        found.append(float(s @ q) / (ns * nq) if ns > 0 and nq > 0 else math.nan)
    return tuple(found)


def sentence_row(
    *,
    cos: float,
    blocks: tuple[float, ...],
    passage: float,
    rank: int,
    question_terms: Sequence[str],
    text: str,
    weights: TermWeights,
    expected: Expectation,
    sentence: Sentence,
    chunk: Chunk,
    source: Source,
    named: Sequence[str],
    foreign: bool,
) -> np.ndarray:
    """The features of one sentence (SENTENCE_FEATURES order)."""
    defined = [b for b in blocks if not math.isnan(b)] or [cos]
    if foreign:  # as the learned judge's training copies have it (eval.judge.collect): a
        # question in another script shares no words with the transcripts; a Latin acronym it
        # carries ("AI") is no evidence of an answer
        coverage, novelty = 0.0, 1.0
    else:
        coverage = weights.coverage(list(question_terms), text)
        novelty = novelty_of(question_terms, text, weights)
    first_person = bool(chunk.speaker) and bool(_FIRST_PERSON.search(text))
    kind = bool(expected.kinds) and expected.met_by(sentence.kinds, first_person)
    turn = source.turns[chunk.turn_index] if chunk.turn_index < len(source.turns) else None
    before = source.turns[chunk.turn_index - 1] if chunk.turn_index > 0 else None
    asked_before = before is not None and source.text[before.start_char : before.end_char].rstrip(
        ' \n"”’)'
    ).endswith("?")
    return np.asarray(
        [
            cos,
            min(defined),
            max(defined),
            passage,
            1.0 / (1 + rank),
            coverage,
            novelty,
            coverage * (1 - novelty),
            float(kind),
            float(bool(expected.kinds)),
            float(sentence.asks),
            float(text.rstrip().endswith(":")),
            float(asked_before and before is not None and before.speaker != chunk.speaker),
            float(turn is not None and sentence.start_char <= opening(turn)),
            float(chunk.speaker is not None and chunk.speaker in named),
            float(HEADING in sentence.kinds),
            float(chunk.speaker is None),
            math.log1p(len(text.split())),
            float(first_person),
            float(foreign),
        ],
        dtype=np.float64,
    )


def opening(turn: Turn) -> int:
    """Where a turn's words begin: its first paragraph that is not its speaker's heading."""
    heading = turn.heading
    for start, _ in turn.paragraphs:
        if heading is None or not heading[0] <= start < heading[1]:
            return start
    return turn.start_char


def novelty_of(question_terms: Sequence[str], text: str, weights: TermWeights) -> float:
    """The IDF-weighted share of a sentence's content terms that the question does not hold."""
    own = set(terms(text))
    if not own:
        return 0.0
    asked = set(question_terms)
    total = sum(weights.idf(t) for t in own)
    return sum(weights.idf(t) for t in own if t not in asked) / total


def question_row(
    probabilities: np.ndarray,
    candidates: np.ndarray,
    key_present: float,
    key_missing: float,
    expects_kind: bool,
    foreign: bool,
    n_terms: int,
    weighted_best: float,
) -> np.ndarray:
    """The features of a question (QUESTION_FEATURES), given its candidates' features
    (candidates x SENTENCE_FEATURES), their probabilities of answering, and the weighted
    judge's confidence over the same candidates."""
    order = np.argsort(-probabilities, kind="stable")
    column = SENTENCE_FEATURES.index
    best = candidates[int(order[0])] if len(order) else None
    top = probabilities[order[:3]] if len(order) else np.zeros(1)
    return np.asarray(
        [
            float(probabilities[order[0]]) if len(order) else 0.0,
            float(probabilities[order[1]]) if len(order) > 1 else 0.0,
            float(top.mean()),
            float(best[column("cos")]) if best is not None else 0.0,
            float(candidates[:, column("coverage")].max()) if len(candidates) else 0.0,
            key_present,
            key_missing,
            float(expects_kind),
            float(best[column("kind")]) if best is not None else 0.0,
            float(foreign),
            math.log1p(n_terms),
            weighted_best,
        ],
        dtype=np.float64,
    )
