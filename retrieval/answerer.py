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

import numpy as np

from ingest.chunks import Chunk, Sentence, normalise
from ingest.index import Index
from retrieval.settings import Settings
from retrieval.text import TermWeights, foreign_share, looks_like_instruction, scripts, terms
from retrieval.types import Citation, Hit

REFUSAL = "The transcript does not cover this, so I cannot answer it from the webinar."
# A question about what was asked may quote questions; any other may not.
_ASKS_ABOUT_QUESTIONS = re.compile(r"\b(ask|asks|asked|asking|question|questions|request)\b", re.I)
WEIGHTS = {"semantic": 0.5, "passage": 0.2, "lexical": 0.3}
# A question mostly in a script the transcript never uses (Japanese over English) cannot share
# words with it, so its sentences are scored on meaning alone, with the weights rescaled.
CROSS_LINGUAL = {"semantic": 0.5 / 0.7, "passage": 0.2 / 0.7, "lexical": 0.0}


@dataclass(frozen=True)
class ScoredSentence:
    chunk: Chunk
    sentence: Sentence
    score: float
    semantic: float
    lexical: float


@dataclass(frozen=True)
class Draft:
    text: str
    refused: bool
    citations: tuple[Citation, ...]
    best_score: float


class ExtractiveAnswerer:
    def __init__(self, index: Index, settings: Settings) -> None:
        self.index = index
        self.settings = settings
        self.weights = TermWeights(
            normalise(self.source_text(c.source)[s.start_char : s.end_char])
            for c in index.chunks
            for s in c.sentences
        )
        self.scripts = set().union(*(scripts(s.text) for s in index.sources.values()))

    def source_text(self, source: str) -> str:
        return self.index.sources[source].text

    def score(
        self,
        question: str,
        query: np.ndarray,
        hits: Sequence[Hit],
        subjects: Sequence[str] = (),
        ignore_words: str = "",
    ) -> list[ScoredSentence]:
        """Every sentence of the hits, best first, each once.

        A question quotes questions only when it is about asking, or about what its
        subject speaker said (a moderator's words are questions).
        """
        ignored = set(terms(ignore_words))
        query_terms = [t for t in terms(question) if t not in ignored]
        quote_questions = bool(_ASKS_ABOUT_QUESTIONS.search(question))
        weights = CROSS_LINGUAL if foreign_share(question, self.scripts) > 0.5 else WEIGHTS
        seen: set[tuple[str, int]] = set()
        scored: list[ScoredSentence] = []
        for hit in hits:
            for sentence in hit.chunk.sentences:
                key = (hit.chunk.source, sentence.start_char)
                may_quote = quote_questions or hit.chunk.speaker in subjects
                if key in seen or (sentence.asks and not may_quote):
                    continue
                seen.add(key)
                text = self.source_text(hit.chunk.source)[sentence.start_char : sentence.end_char]
                if looks_like_instruction(text):
                    continue
                semantic = float(self.index.sentence_vector(hit.chunk.source, sentence) @ query)
                lexical = self.weights.coverage(query_terms, text)
                total = (
                    weights["semantic"] * semantic
                    + weights["passage"] * hit.score
                    + weights["lexical"] * lexical
                )
                scored.append(ScoredSentence(hit.chunk, sentence, total, semantic, lexical))
        return sorted(scored, key=lambda s: -s.score)

    def answer(
        self,
        question: str,
        query: np.ndarray,
        hits: Sequence[Hit],
        subjects: Sequence[str] = (),
        ignore_words: str = "",
    ) -> Draft:
        scored = self.score(question, query, hits, subjects, ignore_words)
        best = scored[0].score if scored else 0.0
        if best < self.settings.refusal_threshold:
            return Draft(REFUSAL, True, (), best)
        chosen = self._choose(scored, subjects)
        citations = tuple(self._cite(n, s) for n, s in enumerate(chosen, start=1))
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

    def _cite(self, n: int, s: ScoredSentence) -> Citation:
        start, end = s.sentence.start_char, s.sentence.end_char
        return Citation(
            n=n,
            speaker=s.chunk.speaker,
            affiliation=s.chunk.affiliation,
            quote=self.source_text(s.chunk.source)[start:end],
            chunk_id=s.chunk.id,
            source=s.chunk.source,
            start_char=start,
            end_char=end,
        )
