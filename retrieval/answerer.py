"""The offline default answerer: quote the sentences that answer, cite each, or refuse.

Each sentence of the retrieved passages is scored by how close it is in meaning to the
question (its own embedding, computed at ingest), how well its passage was retrieved, and how
much of the question's rarer words it contains. The answer quotes the best sentences, each
followed by `[n]`. When even the best sentence scores under the refusal threshold, the
transcript is taken not to answer the question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.chunks import Chunk, Sentence, normalise
from ingest.index import Index
from retrieval.query import Query
from retrieval.settings import Settings
from retrieval.text import TermWeights, foreign_share, looks_like_instruction, scripts, terms
from retrieval.types import Citation

REFUSAL = "The transcripts do not cover this, so I cannot answer it without guessing."
# A question about what was asked may quote questions; any other may not.
_ASKS_ABOUT_QUESTIONS = re.compile(r"\b(ask|asks|asked|asking|question|questions|request)\b", re.I)


@dataclass(frozen=True)
class ScoredSentence:
    chunk: Chunk
    sentence: Sentence
    score: float


@dataclass(frozen=True)
class Draft:
    text: str
    refused: bool
    citations: tuple[Citation, ...]
    best_score: float


@dataclass(frozen=True)
class Weights:
    semantic: float
    passage: float
    lexical: float

    @classmethod
    def of(cls, settings: Settings, cross_lingual: bool) -> Weights:
        """The settings' weights; across scripts the word signal is off and the rest rescaled."""
        if not cross_lingual:
            return cls(settings.semantic_weight, settings.passage_weight, settings.lexical_weight)
        kept = settings.semantic_weight + settings.passage_weight
        return cls(settings.semantic_weight / kept, settings.passage_weight / kept, 0.0)


class ExtractiveAnswerer:
    def __init__(self, index: Index, settings: Settings) -> None:
        self.index = index
        self.settings = settings
        self.term_weights = TermWeights(
            normalise(self.source_text(c.source)[s.start_char : s.end_char])
            for c in index.chunks
            for s in c.sentences
        )
        self.scripts = set().union(*(scripts(s.text) for s in index.sources.values()))

    def source_text(self, source: str) -> str:
        return self.index.sources[source].text

    def score(self, query: Query, ignore_words: str = "") -> list[ScoredSentence]:
        """Every sentence of the query's hits, best first, each once; `ignore_words` (the words
        that name the asked-about speakers) count for nothing.

        A question quotes questions only when it is about asking, or about what its
        subject speaker said (a moderator's words are questions).
        """
        question, subjects = query.question, query.speakers
        ignored = set(terms(ignore_words))
        query_terms = [t for t in terms(question) if t not in ignored]
        quote_questions = bool(_ASKS_ABOUT_QUESTIONS.search(question))
        foreign = foreign_share(question, self.scripts) > self.settings.foreign_script_share
        weights = Weights.of(self.settings, cross_lingual=foreign)
        seen: set[tuple[str, int]] = set()
        scored: list[ScoredSentence] = []
        for hit in query.hits:
            for sentence in hit.chunk.sentences:
                key = (hit.chunk.source, sentence.start_char)
                may_quote = quote_questions or hit.chunk.speaker in subjects
                if key in seen or (sentence.asks and not may_quote):
                    continue
                seen.add(key)
                text = self.source_text(hit.chunk.source)[sentence.start_char : sentence.end_char]
                if looks_like_instruction(text):
                    continue
                vector = self.index.sentence_vector(hit.chunk.source, sentence)
                semantic = float(vector @ query.vector)
                lexical = self.term_weights.coverage(query_terms, text)
                total = (
                    weights.semantic * semantic
                    + weights.passage * hit.score
                    + weights.lexical * lexical
                )
                scored.append(ScoredSentence(hit.chunk, sentence, total))
        return sorted(scored, key=lambda s: -s.score)

    def answer(self, query: Query, ignore_words: str = "") -> Draft:
        """Quotes of the best sentences, each cited, or a refusal when even the best is weak."""
        scored = self.score(query, ignore_words)
        best = scored[0].score if scored else 0.0
        if best < self.settings.refusal_threshold:
            return Draft(REFUSAL, True, (), best)
        chosen = self._choose(scored, query.speakers)
        citations = tuple(
            Citation.of(n, s.chunk, s.sentence, self.index.sources[s.chunk.source])
            for n, s in enumerate(chosen, start=1)
        )
        text = " ".join(f"{normalise(c.quote)} [{c.n}]" for c in citations)
        return Draft(text, False, citations, best)

    def _choose(
        self, scored: list[ScoredSentence], named_speakers: Sequence[str]
    ) -> list[ScoredSentence]:
        """The best sentence, the best of each other named speaker, then close runners-up."""
        floor = max(self.settings.refusal_threshold, scored[0].score - self.settings.quote_margin)
        chosen = [scored[0]]
        for speaker in named_speakers:
            best_of = next((s for s in scored if s.chunk.speaker == speaker), None)
            if (
                best_of
                and best_of not in chosen
                and best_of.score >= self.settings.refusal_threshold
            ):
                chosen.append(best_of)
        for s in scored:
            if len(chosen) >= self.settings.max_quotes:
                break
            if s.score >= floor and s not in chosen:
                chosen.append(s)
        return chosen[: max(self.settings.max_quotes, len(named_speakers))]
