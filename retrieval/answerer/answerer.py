"""The offline default answerer: quote the sentences that answer, cite each, or refuse.

Each sentence of the retrieved passages is scored by how close it is in meaning to the
question (its own embedding, computed at ingest), how well its passage was retrieved, how much
of the question's rarer words it contains, and whether it holds the kind of answer the question
asks for (a date for "when", a person for "who": see `retrieval.expect`). When even the best
sentence scores under the refusal threshold, the transcripts are taken not to answer the
question (the judge). Otherwise `retrieval.answerer.quotes` picks and words the quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.answerer.expect import Expectation, expect
from retrieval.answerer.quotes import (
    Context,
    Scored,
    about_several_speakers,
    choose,
    widened,
    write,
)
from retrieval.query import Query
from retrieval.text import TermWeights, foreign_share, looks_like_instruction, scripts, terms
from webinar_rag.core import HEADING, Citation, QuerySettings, normalise
from webinar_rag.store import Store

REFUSAL = "The transcripts do not cover this, so I cannot answer it without guessing."
# A question about what was asked may quote questions; any other may not.
_ASKS_ABOUT_QUESTIONS = re.compile(r"\b(ask|asks|asked|asking|question|questions|request)\b", re.I)
_FIRST_PERSON = re.compile(r"\b(I|we|my|our|me|us)\b")


@dataclass(frozen=True)
class Draft:
    text: str
    refused: bool
    citations: tuple[Citation, ...]
    best_score: float
    grouped: bool = False  # one quote per speaker


@dataclass(frozen=True)
class Weights:
    semantic: float
    passage: float
    lexical: float
    kind: float  # holding the kind of answer asked for

    @classmethod
    def of(cls, settings: QuerySettings, cross_lingual: bool) -> Weights:
        """The settings' weights; across scripts the word signal is off and the rest rescaled."""
        s = settings
        if not cross_lingual:
            return cls(s.semantic_weight, s.passage_weight, s.lexical_weight, s.kind_weight)
        kept = s.semantic_weight + s.passage_weight
        return cls(s.semantic_weight / kept, s.passage_weight / kept, 0.0, s.kind_weight)


class ExtractiveAnswerer:
    def __init__(self, store: Store, settings: QuerySettings) -> None:
        self.store = store
        self.settings = settings
        self.term_weights = TermWeights(
            normalise(self.source_text(c.source)[s.start_char : s.end_char])
            for c in store.chunks
            for s in c.sentences
        )
        self.scripts = set().union(*(scripts(s.text) for s in store.sources.values()))
        self.context = Context(store)

    def is_foreign(self, question: str) -> bool:
        """Mostly written in scripts the transcripts never use (Japanese over English)."""
        return foreign_share(question, self.scripts) > self.settings.foreign_script_share

    def source_text(self, source: str) -> str:
        return self.store.sources[source].text

    def score(
        self, query: Query, ignore_words: str = "", expected: Expectation | None = None
    ) -> list[Scored]:
        """Every sentence of the query's hits, best first, each once; `ignore_words` (the words
        that name the asked-about speakers) count for nothing.

        A question quotes questions only when it is about asking, or about what its
        subject speaker said (a moderator's words are questions).
        """
        question, subjects = query.question, query.speakers
        ignored = set(terms(ignore_words))
        query_terms = [t for t in terms(question) if t not in ignored]
        quote_questions = bool(_ASKS_ABOUT_QUESTIONS.search(question))
        weights = Weights.of(self.settings, cross_lingual=query.foreign)
        expected = expected or expect(question)
        seen: set[tuple[str, int]] = set()
        scored: list[Scored] = []
        for hit in query.hits:
            for sentence in hit.chunk.sentences:
                key = (hit.chunk.source, sentence.start_char)
                may_quote = quote_questions or hit.chunk.speaker in subjects
                if key in seen or (sentence.asks and not may_quote):
                    continue
                if HEADING in sentence.kinds and not expected.kinds & {"PERSON", "ORG"}:
                    continue  # a name-and-role line answers who, not what
                seen.add(key)
                text = self.source_text(hit.chunk.source)[sentence.start_char : sentence.end_char]
                if looks_like_instruction(text):
                    continue
                vector = self.store.sentence_vector(hit.chunk.source, sentence)
                semantic = float(vector @ query.vector)
                lexical = self.term_weights.coverage(query_terms, text)
                total = (
                    weights.semantic * semantic
                    + weights.passage * hit.score
                    + weights.lexical * lexical
                )
                if expected.kinds:
                    first_person = bool(hit.chunk.speaker) and bool(_FIRST_PERSON.search(text))
                    if expected.met_by(sentence.kinds, first_person):
                        total += weights.kind
                scored.append(Scored(hit.chunk, sentence, total))
        return sorted(scored, key=lambda s: -s.score)

    def threshold(self, query: Query) -> float:
        """The refusal threshold for this question (its own for another script)."""
        s = self.settings
        return s.foreign_refusal_threshold if query.foreign else s.refusal_threshold

    def sentence_scores(self, query: Query, ignore_words: str = "") -> dict[tuple[str, int], float]:
        """(source, start) -> how well each sentence of the hits answers the question."""
        return {
            (s.chunk.source, s.sentence.start_char): s.score
            for s in self.score(query, ignore_words)
        }

    def answer(self, query: Query, ignore_words: str = "") -> Draft:
        """Quotes of the best sentences, each cited, or a refusal when even the best is weak."""
        expected = expect(query.question)
        scored = self.score(query, ignore_words, expected)
        best = scored[0].score if scored else 0.0
        if not scored or best < self.threshold(query):
            return Draft(REFUSAL, True, (), best)
        several = about_several_speakers(query.question, query.speakers)
        chosen = choose(
            scored, query.speakers, several, self.settings.quote_margin, self.settings.max_quotes
        )
        quotes = widened(chosen, self.context)
        citations = tuple(
            Citation.of(n, q.chunk, q.sentence, self.store.sources[q.chunk.source])
            for n, q in enumerate(quotes, start=1)
        )
        written = [(c.n, q, c.quote) for c, q in zip(citations, quotes, strict=True)]
        grouped = several and len({q.chunk.speaker for q in quotes}) > 1
        text = write(written, expected.person or grouped)
        return Draft(text, False, citations, best, grouped)
