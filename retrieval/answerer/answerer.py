"""The offline default answerer: quote the sentences that answer, cite each, or refuse.

    candidates -> judge (how well each answers; whether any does) -> choose -> widen -> write

Every sentence of the retrieved passages that may be quoted is a candidate, with its features
(`retrieval.answerer.features`). The judge (`retrieval.answerer.judge`: weighted by default)
scores each and says how confident it is that the transcripts answer at all; under the bar,
the answer is a refusal. Otherwise `retrieval.answerer.quotes` picks and words the quotes, and
for "who will" questions `retrieval.answerer.responsible` names the person who will do it,
for "who did / who is" questions `retrieval.answerer.named` the participant a quote is about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from retrieval.answerer.addressee import is_request
from retrieval.answerer.expect import Expectation, expect
from retrieval.answerer.features import (
    SENTENCE_FEATURES,
    Candidate,
    block_cosines,
    question_row,
    sentence_row,
)
from retrieval.answerer.judge import LearnedJudge, Verdict, WeightedJudge
from retrieval.answerer.named import named_for
from retrieval.answerer.participants import people_of
from retrieval.answerer.quotes import (
    Context,
    Scored,
    about_several_speakers,
    choose,
    widened,
    write,
)
from retrieval.answerer.responsible import is_task_question, responsible_for
from retrieval.query import Query
from retrieval.text import (
    TermWeights,
    foreign_share,
    looks_like_instruction,
    terms,
    written_in,
)
from webinar_rag.core import HEADING, Citation, QuerySettings, Responsible, normalise
from webinar_rag.models import Embedder, load_judge
from webinar_rag.store import Store

REFUSAL = "The transcripts do not cover this, so I cannot answer it without guessing."
# A question about what was asked may quote questions; any other may not.
_ASKS_ABOUT_QUESTIONS = re.compile(r"\b(ask|asks|asked|asking|question|questions|request)\b", re.I)


@dataclass(frozen=True)
class Draft:
    text: str
    refused: bool
    citations: tuple[Citation, ...]
    best_score: float  # the judge's confidence that the transcripts answer
    grouped: bool = False  # one quote per speaker
    responsible: tuple[Responsible, ...] = ()  # the person a "who" question asks for


@dataclass(frozen=True)
class Relevance:
    scores: dict[tuple[str, int], float]
    best: float
    floor: float  # a claim supported by a sentence under this is beside the point
    margin: float  # an answer whose evidence is this far under the best keeps the quotes


class ExtractiveAnswerer:
    def __init__(self, store: Store, settings: QuerySettings, embedder: Embedder) -> None:
        self.store = store
        self.settings = settings
        self.blocks = embedder.blocks
        self.term_weights = TermWeights(
            normalise(self.source_text(c.source)[s.start_char : s.end_char])
            for c in store.chunks
            for s in c.sentences
        )
        self.scripts = written_in(s.text for s in store.sources.values())
        self.context = Context(store)
        self.weighted = WeightedJudge(settings)
        self.judge = (
            self.weighted if settings.judge == "weighted" else LearnedJudge(load_judge(), settings)
        )
        self._vocabulary: dict[str, frozenset[str]] = {}
        self.people = people_of(store)

    def is_foreign(self, question: str) -> bool:
        """Mostly written in scripts the transcripts never use (Japanese over English)."""
        return foreign_share(question, self.scripts) > self.settings.foreign_script_share

    def source_text(self, source: str) -> str:
        return self.store.sources[source].text

    def candidates(
        self, query: Query, ignore_words: str = "", expected: Expectation | None = None
    ) -> tuple[list[Candidate], list[str]]:
        """Every sentence of the query's hits that may be quoted, each once, with its features;
        and the question's content terms (`ignore_words`, the words that name the asked-about
        speakers, count for nothing). A question quotes questions only when it is about asking,
        or about what its subject speaker said (a moderator's words are questions)."""
        question, subjects = query.question, query.speakers
        ignored = set(terms(ignore_words))
        question_terms = [t for t in terms(question) if t not in ignored]
        quote_questions = bool(_ASKS_ABOUT_QUESTIONS.search(question))
        expected = expected or expect(question)
        # "could you send it?" is a question in form and the evidence of who will
        requests = expected.person and is_task_question(question)
        seen: set[tuple[str, int]] = set()
        found: list[Candidate] = []
        for rank, hit in enumerate(query.hits):
            chunk = hit.chunk
            source = self.store.sources[chunk.source]
            for sentence in chunk.sentences:
                key = (chunk.source, sentence.start_char)
                if key in seen:
                    continue
                text = source.text[sentence.start_char : sentence.end_char]
                may_quote = quote_questions or chunk.speaker in subjects
                if sentence.asks and not (may_quote or (requests and is_request(text))):
                    continue
                if HEADING in sentence.kinds and not expected.kinds & {"PERSON", "ORG"}:
                    continue  # a name-and-role line answers who, not what
                seen.add(key)
                if looks_like_instruction(text):
                    continue
                vector = self.store.sentence_vector(chunk.source, sentence)
                cos = float(vector @ query.vector)
                blocks = block_cosines(vector, query.vector, self.blocks)
                row = sentence_row(
                    cos=cos,
                    blocks=blocks,
                    passage=hit.score,
                    rank=rank,
                    question_terms=question_terms,
                    text=text,
                    weights=self.term_weights,
                    expected=expected,
                    sentence=sentence,
                    chunk=chunk,
                    source=source,
                    named=subjects,
                    foreign=query.foreign,
                )
                found.append(Candidate(chunk, sentence, rank, hit.score, text, row, blocks))
        return found, question_terms

    def verdict(
        self, query: Query, ignore_words: str = "", expected: Expectation | None = None
    ) -> tuple[list[Scored], Verdict]:
        """The candidates, best first, and the judge's verdict on them."""
        expected = expected or expect(query.question)
        found, question_terms = self.candidates(query, ignore_words, expected)
        question = None
        if isinstance(self.judge, LearnedJudge):
            probabilities = self.judge.sentence_probabilities(found)
            present, missing = self.key_terms(question_terms, query.documents)
            features = np.asarray([c.features for c in found]).reshape(
                len(found), len(SENTENCE_FEATURES)
            )
            question = question_row(
                probabilities,
                features,
                present,
                missing,
                bool(expected.kinds),
                query.foreign,
                len(set(question_terms)),
                self.weighted.confidence(features, query.foreign),
            )
        verdict = self.judge.judge(found, question, query.foreign)
        order = np.argsort(-verdict.scores, kind="stable")
        scored = [
            Scored(found[i].chunk, found[i].sentence, float(verdict.scores[i])) for i in order
        ]
        return scored, verdict

    def key_terms(
        self, question_terms: list[str], documents: tuple[str, ...]
    ) -> tuple[float, float]:
        """How much of the question the searched documents use at all: the IDF-weighted share
        of its terms they hold, and the IDF of the rarest term they never use (0: none)."""
        unique = set(question_terms)
        if not unique:
            return 1.0, 0.0
        names = documents or tuple(self.store.sources)
        vocabulary = frozenset().union(*(self._vocabulary_of(n) for n in names))
        idf = {t: self.term_weights.idf(t) for t in unique}
        present = sum(v for t, v in idf.items() if t in vocabulary) / sum(idf.values())
        missing = max((v for t, v in idf.items() if t not in vocabulary), default=0.0)
        return present, missing

    def _vocabulary_of(self, name: str) -> frozenset[str]:
        if name not in self._vocabulary:
            self._vocabulary[name] = frozenset(terms(self.store.sources[name].text))
        return self._vocabulary[name]

    def relevance(self, query: Query, ignore_words: str = "") -> Relevance:
        """How well each sentence of the hits answers the question, for checking an LLM's
        claims against: (source, start) -> score, the best score, and the judge's bars."""
        scored, verdict = self.verdict(query, ignore_words)
        scores = {(s.chunk.source, s.sentence.start_char): s.score for s in scored}
        best = scored[0].score if scored else 0.0
        return Relevance(scores, best, verdict.floor, verdict.margin)

    def answer(self, query: Query, ignore_words: str = "") -> Draft:
        """Quotes of the best sentences, each cited, or a refusal when the judge is not
        confident that the transcripts answer."""
        expected = expect(query.question)
        scored, verdict = self.verdict(query, ignore_words, expected)
        if not scored or verdict.confidence < verdict.threshold:
            return Draft(REFUSAL, True, (), verdict.confidence)
        several = about_several_speakers(query.question, query.speakers)
        chosen = choose(scored, query.speakers, several, verdict.margin, self.settings.max_quotes)
        quotes = widened(chosen, self.context)
        citations = tuple(
            Citation.of(n, q.chunk, q.sentence, self.store.sources[q.chunk.source])
            for n, q in enumerate(quotes, start=1)
        )
        responsible = responsible_for(
            query.question, expected, quotes, citations, self.store, self.people
        ) or named_for(query.question, expected, quotes, citations, self.store, self.people)
        written = [(c.n, q, c.quote) for c, q in zip(citations, quotes, strict=True)]
        grouped = several and len({q.chunk.speaker for q in quotes}) > 1
        labels = {r.citation: r.label for r in responsible}
        task = expected.person and is_task_question(query.question)
        text = write(written, expected.person or grouped, labels, task)
        return Draft(text, False, citations, verdict.confidence, grouped, responsible)
