"""The query path, top to bottom: question -> speakers -> retrieve -> answer -> citations."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from ingest.embedder import Embedder, load_embedder
from ingest.errors import IndexNotFound
from ingest.index import Index
from ingest.pipeline import ingest
from retrieval.answerer import ExtractiveAnswerer
from retrieval.errors import EmptyQuestion, UnknownSpeaker
from retrieval.retriever import DOCUMENT, Searcher, TranscriptRetriever
from retrieval.settings import Settings
from retrieval.speakers import SpeakerDirectory
from retrieval.types import Answer


class Assistant:
    """`Assistant.load().ask("What does Japan's AI bill enforce?")` -> a cited `Answer`."""

    def __init__(self, index: Index, embedder: Embedder, settings: Settings) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.searcher = Searcher(index, embedder)
        self.answerer = ExtractiveAnswerer(index, settings)
        texts = {name: s.text for name, s in index.sources.items()}
        turns = [t for s in index.sources.values() for t in s.turns]
        self.speakers = SpeakerDirectory(turns, texts)

    @classmethod
    def load(cls, settings: Settings | None = None) -> Assistant:
        """Load the model and index once; build the index from the corpus if there is none."""
        settings = settings or Settings()
        embedder = load_embedder(settings.ingest.model_path)
        try:
            index = Index.load(settings.ingest.index_dir, expected_model=embedder.name)
        except IndexNotFound:
            ingest(settings=settings.ingest, embedder=embedder)
            index = Index.load(settings.ingest.index_dir, expected_model=embedder.name)
        return cls(index, embedder, settings)

    def ask(self, question: str, *, speaker: str | None = None, k: int | None = None) -> Answer:
        question = question.strip()
        if not question:
            raise EmptyQuestion(
                "The question is empty. Ask something, e.g. "
                '`webinar-rag ask "What does Japan\'s AI bill enforce?"`.'
            )
        k = k or self.settings.top_k
        began = time.perf_counter()

        # 1. Whose words: an explicit filter wins, else the speakers the question is about
        #    ("what did the moderator ask Ichikawa" -> the moderator's words).
        subjects = [self._resolve(speaker)] if speaker else self.speakers.subjects(question)
        only = subjects

        # 2. Retrieve; a named speaker with nothing relevant falls back to everyone.
        query = self.embedder.embed_query(question)
        hits = self.searcher.search(query, k, only or None)
        if not hits and only and not speaker:
            hits = self.searcher.search(query, k)
        retrieved = time.perf_counter()

        # 3. Answer by quoting the sentences that answer, each with a verified citation.
        draft = self.answerer.answer(
            question, query, hits, subjects, ignore_words=self.speakers.cue_text(subjects)
        )
        done = time.perf_counter()
        return Answer(
            question=question,
            text=draft.text,
            refused=draft.refused,
            citations=draft.citations,
            contexts=tuple(hits),
            timings_ms={
                "retrieve": (retrieved - began) * 1000,
                "generate": (done - retrieved) * 1000,
                "total": (done - began) * 1000,
            },
            confidence=draft.best_score,
        )

    def source_text(self, source: str) -> str:
        """The transcript text that citation offsets point into."""
        return self.index.sources[source].text

    def retriever(self, k: int | None = None, speaker: str | None = None) -> TranscriptRetriever:
        """The same retrieval as a LangChain `BaseRetriever`."""
        speakers = [self._resolve(speaker)] if speaker else None
        return TranscriptRetriever(
            searcher=self.searcher, k=k or self.settings.top_k, speakers=speakers
        )

    def with_settings(self, **changes: Any) -> Assistant:
        """A copy with other query settings (same model and index), e.g. for a threshold sweep."""
        return Assistant(self.index, self.embedder, replace(self.settings, **changes))

    def _resolve(self, speaker: str) -> str:
        resolved = self.speakers.resolve(speaker)
        if resolved is None:
            known = ", ".join([*self.speakers.names, DOCUMENT])
            raise UnknownSpeaker(f"No speaker matches {speaker!r}. Use one of: {known}.")
        return resolved
