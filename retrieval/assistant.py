"""The query path, top to bottom, in one place:

    question -> whose words -> retrieve -> draft (offline quotes) -> LLM reply -> verify -> Answer

Each step takes the frozen `Query` that the step before handed on and returns a copy with its
own part filled in. `ask` and `stream` run the steps in this order (`stream` passes the LLM's
words on as they arrive); `chain()` is the same steps as one LangChain runnable, and
`retrieval.retriever.TranscriptRetriever` the first two as a LangChain retriever.

The offline extractive answer is always drafted: it is the answer when no LLM is used, the
fallback when the LLM fails, and the judge of whether the transcript answers at all.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Generator, Iterator, Sequence
from dataclasses import replace
from typing import Any, Unpack

from langchain_core.runnables import Runnable

from retrieval.answerer import ExtractiveAnswerer
from retrieval.followups import Resolved, resolve
from retrieval.langchain import as_runnable
from retrieval.limits import checked_k, checked_question
from retrieval.llm import LLMClient
from retrieval.overview import Overview, Overviews, Written, write_summary
from retrieval.query import Options, Query, Reply, Request
from retrieval.reply import llm_answer
from retrieval.search import Searcher
from retrieval.speakers import SpeakerDirectory
from retrieval.verify import CitationVerifier
from webinar_rag.core import (
    DOCUMENT,
    Answer,
    Backend,
    Hit,
    IndexMismatch,
    LLMError,
    Settings,
    UnknownSpeaker,
)
from webinar_rag.models import Embedder, load_embedder, model_name
from webinar_rag.store import Store, open_store

log = logging.getLogger("webinar_rag.retrieval")
_WHO_DID_IT = re.compile(
    r"^\W*(and\s+)?(who|whom)\s+(?!(is|was|are|were|did|does|do|has|had|will|would|can|could|"
    r"should)\b)\w",
    re.IGNORECASE,
)


class Assistant:
    """`Assistant.load().ask("Who will send the revised budget?")` -> a cited `Answer`."""

    def __init__(self, store: Store, embedder: Embedder, settings: Settings) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        query = settings.query
        self.searcher = Searcher.from_settings(store, embedder, settings)
        self.answerer = ExtractiveAnswerer(store, query, embedder)
        self.verifier = CitationVerifier(store, embedder, self.answerer.term_weights, query)
        texts = {name: s.text for name, s in store.sources.items()}
        turns = [t for s in store.sources.values() for t in s.turns]
        self.speakers = SpeakerDirectory(turns, texts, query)
        self.overviews = Overviews(store)
        self._llm: LLMClient | None = None

    @classmethod
    def load(cls, settings: Settings | None = None) -> Assistant:
        """Load the index, then the model, once. Building an index is `ingest`'s job: with none
        at the configured folder this raises `IndexNotFound`, whose message says how to build
        it; the index comes first so that such errors come before the model's seconds."""
        settings = settings or Settings()
        try:
            store = open_store(settings.index, model_name(settings.models.embed_model))
        except IndexMismatch:
            load_embedder(settings.models)  # a model that cannot load is the error to report
            raise
        return cls(store, load_embedder(settings.models), settings)

    # -- the faces of the path ------------------------------------------------------------------

    def ask(self, question: str, **options: Unpack[Options]) -> Answer:
        """The cited answer (or refusal) to one question; options as in `Request`."""
        *_, answer = self.run(Request(question, **options))
        assert isinstance(answer, Answer)
        return answer

    def stream(self, question: str, **options: Unpack[Options]) -> Iterator[str | Answer]:
        """Text as it arrives, then the final verified `Answer` (which may differ from the
        streamed text: unsupported claims are removed, a failed stream falls back)."""
        return self.run(Request(question, **options), stream=True)

    def search(self, question: str, **options: Unpack[Options]) -> list[Hit]:
        """The passages the path retrieves for a question, best first, without an answer."""
        return list(self.retrieve(self.understand(Request(question, **options))).hits)

    def run(self, request: Request, stream: bool = False) -> Iterator[str | Answer]:
        """The path itself. Yields the LLM's words as they arrive when `stream` is set (or the
        whole offline answer's text, when no LLM writes it), and the `Answer` last."""
        query = self.understand(request)
        query = self.retrieve(query)
        query = self.draft(query)
        query = yield from self.generate(query, stream=stream)
        query = self.finish(query)
        assert query.answer is not None
        if stream and query.reply is None:
            yield query.answer.text
        yield query.answer

    def chain(self, backend: Backend | None = None) -> Runnable:
        """The same steps as one LangChain runnable: {"question", "speaker"?, "k"?} -> Answer."""
        return as_runnable(self, backend)

    def overview(self, documents: Sequence[str] = (), speaker: str | None = None,
                 words: int | None = None) -> Overview:  # fmt: skip
        """Summary, speakers, decisions, action items and topics of documents (all if none)."""
        names = tuple(self.store.document_named(d) for d in documents)
        return self.overviews.get(names, self.speaker_named(speaker) if speaker else None, words)

    def written_summary(self, documents: Sequence[str] = (), speaker: str | None = None) -> Written:
        """The overview's summary written by the LLM, map-reduce, every claim verified; the
        extractive summary, with a notice, when the LLM fails or no claim holds."""
        size = self.settings.query.llm_passages
        overview = self.overview(documents, speaker)
        return write_summary(self._client(), self.verifier, self.store, overview, size)

    # -- the steps, in order --------------------------------------------------------------------

    def understand(self, request: Request) -> Query:
        """The question, and whose words it asks for: an explicit filter wins, else the
        speakers the question is about ("what did the moderator ask Okafor" -> the
        moderator's words)."""
        question = checked_question(request.question)  # the limits every face goes through
        k = checked_k(request.k)
        began = time.perf_counter()
        use_llm = self.uses_llm(request.backend)
        resolved = self._standalone(question, request.history or (), use_llm)
        explicit = bool(request.speaker)
        speakers = [self.speaker_named(request.speaker)] if request.speaker else []
        document = request.document or resolved.document
        return Query(
            question=resolved.question,
            asked=question,
            k=k or self.settings.query.top_k,
            use_llm=use_llm,
            explicit_speaker=explicit,
            speakers=tuple(speakers or self._subjects(resolved.question)),
            documents=(self.store.document_named(document),) if document else (),
            foreign=self.answerer.is_foreign(resolved.question),
            began=began,
        )

    def retrieve(self, query: Query) -> Query:
        """The k best passages of those speakers (of everyone, if the speakers the question
        names said nothing relevant)."""
        vector = self.embedder.embed_query(query.question, across_languages=query.foreign)
        speakers = list(query.speakers) or None
        documents = list(query.documents) or None
        hits = self.searcher.search(query.question, query.k, speakers, vector, documents)
        if not hits and query.speakers and not query.explicit_speaker:
            hits = self.searcher.search(query.question, query.k, None, vector, documents)
        ms = (time.perf_counter() - query.began) * 1000
        return replace(query, vector=vector, hits=tuple(hits), retrieve_ms=ms)

    def draft(self, query: Query) -> Query:
        """Quotes of the best sentences, or a refusal; a whole-meeting question's overview."""
        whole = self.overviews.answer(query, self.embedder)
        if whole is not None:
            return replace(query, offline=whole, use_llm=False)
        began = time.perf_counter()
        draft = self.answerer.answer(query, self.speakers.cue_text(list(query.speakers)))
        answer = Answer(
            question=query.asked,
            resolved=query.question if query.question != query.asked else None,
            text=draft.text,
            refused=draft.refused,
            citations=draft.citations,
            contexts=query.hits,
            confidence=draft.best_score,
            grouped=draft.grouped,
            responsible=draft.responsible,
            timings_ms={"generate": (time.perf_counter() - began) * 1000},
        )
        return replace(query, offline=answer)

    def generate(self, query: Query, stream: bool = False) -> Generator[str, None, Query]:
        """The LLM's cited reply, when an LLM is used and the transcript answers at all (no
        model can answer from passages that do not). Yields its words when `stream` is set."""
        assert query.offline is not None
        if not query.use_llm or query.offline.refused:
            return query
        began = time.perf_counter()
        hits = query.hits[: self.settings.query.llm_passages]
        pieces: list[str] = []
        text: str | None = None
        error = None
        try:
            if stream:
                for piece in self._client().stream(query.question, hits):
                    pieces.append(piece)
                    yield piece
                text = "".join(pieces)
            else:
                text = self._client().complete(query.question, hits)
        except LLMError as exc:  # unreachable, timeout, 429/5xx after retries, a bad reply
            text, error = ("".join(pieces) if stream else None), str(exc)
        reply = Reply(text, error, (time.perf_counter() - began) * 1000)
        return replace(query, reply=reply)

    def finish(self, query: Query) -> Query:
        """The answer: the LLM's, with verified citations, or else the draft; and timings."""
        assert query.offline is not None
        answer = query.offline
        generate_ms = answer.timings_ms["generate"]
        if query.reply is not None:
            cues = self.speakers.cue_text(list(query.speakers))
            answer = llm_answer(
                answer,
                query.reply,
                query.question,
                verifier=self.verifier,
                relevance=self.answerer.relevance(query, cues),
                settings=self.settings.query,
                model=self.settings.llm.model,
            )
            generate_ms = query.reply.ms
        total_ms = (time.perf_counter() - query.began) * 1000
        timings = {"retrieve": query.retrieve_ms, "generate": generate_ms, "total": total_ms}
        return replace(query, answer=replace(answer, timings_ms=timings))

    # -- helpers --------------------------------------------------------------------------------

    def uses_llm(self, backend: Backend | None = None) -> bool:
        backend = backend or self.settings.query.backend
        if backend == "auto":
            return self.settings.llm.configured
        return backend == "llm"

    def _client(self) -> LLMClient:
        """One client per assistant, made on first use (its HTTP connections are reused)."""
        if self._llm is None:
            self._llm = LLMClient(self.settings.llm)
        return self._llm

    def source_text(self, source: str) -> str:
        """The transcript text that citation offsets point into."""
        return self.store.sources[source].text

    def refreshed(self) -> Assistant:
        """This assistant, or a new one over the index folder's newer contents when an ingest
        has swapped a new index in since this one was loaded (same model and settings). A
        server calls it per question: one `stat`, and a load only after a change. A newer
        index that does not load (damaged, removed) is logged once, and this one answers on."""
        store = self.store.reloaded(expected_model=self.embedder.name)
        return self if store is self.store else Assistant(store, self.embedder, self.settings)

    def with_settings(self, **changes: Any) -> Assistant:
        """A copy with other query settings (same model and index), e.g. for a threshold sweep
        (`Settings.changed` puts each change in its part)."""
        return Assistant(self.store, self.embedder, self.settings.changed(**changes))

    def _standalone(self, question: str, history: Sequence[Answer], use_llm: bool) -> Resolved:
        """A follow-up as a question of its own: the LLM rewrites it when one is used (and
        answers), else the offline reading of retrieval.followups."""
        if not history:
            return Resolved(question)
        offline = resolve(question, history, bool(self.speakers.mentions(question)))
        if use_llm:
            try:
                rewritten = self._client().rewrite(question, history)
            except LLMError:
                return offline
            return Resolved(rewritten, offline.document)
        return offline

    def _subjects(self, question: str) -> list[str]:
        """Whose words a question asks for. In "Who disagreed with Okafor?" the answer is
        someone else: a "who" that is itself the subject of the verb makes the speakers it
        names topics, not the speakers to search (unlike "Who is Okafor?", "Who did Okafor
        name?")."""
        if _WHO_DID_IT.match(question):
            return []
        return self.speakers.subjects(question)

    def speaker_named(self, speaker: str) -> str:
        """The speaker a filter names (full name, surname, `document`); `UnknownSpeaker`,
        listing who there is, for none."""
        resolved = self.speakers.resolve(speaker)
        if resolved is None:
            known = ", ".join([*self.speakers.names, DOCUMENT])
            raise UnknownSpeaker(f"No speaker matches {speaker!r}. Use one of: {known}.")
        return resolved
