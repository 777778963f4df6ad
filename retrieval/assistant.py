"""The query path, top to bottom, as one LCEL chain:

    question -> speakers -> retrieve -> (LLM) -> verify citations -> Answer

The offline extractive answer is always drafted: it is the answer when no LLM is used, the
fallback when the LLM fails, and the judge of whether the transcript answers at all.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from ingest.embedder import Embedder, load_embedder
from ingest.errors import IndexNotFound
from ingest.index import Index
from ingest.pipeline import ingest
from retrieval.answerer import ExtractiveAnswerer
from retrieval.errors import EmptyQuestion, UnknownSpeaker
from retrieval.llm import is_refusal, message_chain, text_chain
from retrieval.rerank import load_reranker
from retrieval.retriever import DOCUMENT, Searcher, TranscriptRetriever
from retrieval.settings import Backend, Settings
from retrieval.speakers import SpeakerDirectory
from retrieval.types import Answer
from retrieval.verify import CitationVerifier


@dataclass(frozen=True)
class Reply:
    """What the LLM said, or why it said nothing usable."""

    text: str | None
    error: str | None
    ms: float


class Assistant:
    """`Assistant.load().ask("What does Japan's AI bill enforce?")` -> a cited `Answer`."""

    def __init__(self, index: Index, embedder: Embedder, settings: Settings) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        reranker = load_reranker(settings.rerank_model) if settings.rerank_model else None
        self.searcher = Searcher(
            index,
            embedder,
            mode=settings.retrieval_mode,
            rrf_k=settings.rrf_k,
            reranker=reranker,
            rerank_depth=settings.rerank_depth,
        )
        self.answerer = ExtractiveAnswerer(index, settings)
        self.verifier = CitationVerifier(
            index, embedder, self.answerer.weights, settings.support_threshold
        )
        texts = {name: s.text for name, s in index.sources.items()}
        turns = [t for s in index.sources.values() for t in s.turns]
        self.speakers = SpeakerDirectory(turns, texts)
        self._llm: dict[str, Runnable] = {}
        self._chains: dict[bool, Runnable] = {}

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

    def chain(self, backend: Backend | None = None) -> Runnable:
        """{"question", "speaker"?, "k"?} -> Answer, as one LangChain runnable."""
        use_llm = self.uses_llm(backend)
        if use_llm not in self._chains:
            self._chains[use_llm] = self._build_chain(use_llm)
        return self._chains[use_llm]

    def _build_chain(self, use_llm: bool) -> Runnable:
        generate = RunnableLambda(self._generate) if use_llm else _no_reply
        return (
            RunnableLambda(self.retrieve)  # question -> speakers and passages
            | RunnablePassthrough.assign(draft=self._draft)  # quoted answer, or refusal
            | RunnablePassthrough.assign(reply=generate)  # the LLM's cited answer, or a fault
            | RunnableLambda(self.finish)  # verified citations, fallback -> Answer
        )

    def ask(
        self,
        question: str,
        *,
        speaker: str | None = None,
        k: int | None = None,
        backend: Backend | None = None,
    ) -> Answer:
        answer: Answer = self.chain(backend).invoke(
            {"question": question, "speaker": speaker, "k": k}
        )
        return answer

    def stream(
        self,
        question: str,
        *,
        speaker: str | None = None,
        k: int | None = None,
        backend: Backend | None = None,
    ) -> Iterator[str | Answer]:
        """Text as it arrives, then the final verified `Answer` (which may differ from the
        streamed text: unsupported claims are removed, a failed stream falls back)."""
        ctx = self.retrieve({"question": question, "speaker": speaker, "k": k})
        ctx["draft"] = self._draft(ctx)
        if not self.uses_llm(backend) or ctx["draft"].refused:
            answer = self.finish(ctx)
            yield answer.text
            yield answer
            return
        began = time.perf_counter()
        pieces: list[str] = []
        finished = False
        error = None
        try:
            for chunk in self._chain_for(message_chain).stream(self._prompt_inputs(ctx)):
                text = chunk.content if isinstance(chunk.content, str) else ""
                if text:
                    pieces.append(text)
                    yield text
                finished = finished or bool(chunk.response_metadata.get("finish_reason"))
            if not finished:
                error = "the stream ended before the reply was complete"
        except Exception as exc:  # any fault of the endpoint falls back; see finish()
            error = _describe(exc)
        ms = (time.perf_counter() - began) * 1000
        yield self.finish({**ctx, "reply": Reply("".join(pieces), error, ms)})

    def uses_llm(self, backend: Backend | None = None) -> bool:
        backend = backend or self.settings.backend
        if backend == "auto":
            return self.settings.llm.configured
        return backend == "llm"

    # -- the steps of the chain ---------------------------------------------------------------

    def retrieve(self, inputs: dict[str, Any]) -> dict[str, Any]:
        question = str(inputs["question"]).strip()
        if not question:
            raise EmptyQuestion(
                "The question is empty. Ask something, e.g. "
                '`webinar-rag ask "What does Japan\'s AI bill enforce?"`.'
            )
        began = time.perf_counter()
        speaker, k = inputs.get("speaker"), inputs.get("k") or self.settings.top_k
        # Whose words: an explicit filter wins, else the speakers the question is about
        # ("what did the moderator ask Ichikawa" -> the moderator's words).
        subjects = [self._resolve(speaker)] if speaker else self.speakers.subjects(question)
        query = self.embedder.embed_query(question)
        hits = self.searcher.search(question, k, subjects or None, vector=query)
        if not hits and subjects and not speaker:  # the named speaker said nothing relevant
            hits = self.searcher.search(question, k, vector=query)
        return {
            "question": question,
            "query": query,
            "hits": hits,
            "subjects": subjects,
            "began": began,
            "retrieve_ms": (time.perf_counter() - began) * 1000,
        }

    def _draft(self, ctx: dict[str, Any]) -> Answer:
        """The extractive answer: the offline default, the LLM's fallback, and the judge of
        whether the transcript answers the question at all."""
        began = time.perf_counter()
        subjects = ctx["subjects"]
        draft = self.answerer.answer(
            ctx["question"], ctx["query"], ctx["hits"], subjects, self.speakers.cue_text(subjects)
        )
        return Answer(
            question=ctx["question"],
            text=draft.text,
            refused=draft.refused,
            citations=draft.citations,
            contexts=tuple(ctx["hits"]),
            confidence=draft.best_score,
            timings_ms={"generate": (time.perf_counter() - began) * 1000},
        )

    def _generate(self, ctx: dict[str, Any]) -> Reply | None:
        if ctx["draft"].refused:
            return None  # the transcript does not answer it: no model can, from these passages
        began = time.perf_counter()
        try:
            text = self._chain_for(text_chain).invoke(self._prompt_inputs(ctx))
            error = None if text.strip() else "the reply was empty"
        except Exception as exc:  # connection, timeout, 429/5xx after retries, bad JSON
            text, error = None, _describe(exc)
        return Reply(text, error, (time.perf_counter() - began) * 1000)

    def finish(self, ctx: dict[str, Any]) -> Answer:
        answer: Answer = ctx["draft"]
        reply: Reply | None = ctx.get("reply")
        generate_ms = answer.timings_ms["generate"]
        if reply is not None:
            answer = self._llm_answer(answer, reply)
            generate_ms = reply.ms
        total_ms = (time.perf_counter() - ctx["began"]) * 1000
        timings = {"retrieve": ctx["retrieve_ms"], "generate": generate_ms, "total": total_ms}
        return replace(answer, timings_ms=timings)

    def _llm_answer(self, extractive: Answer, reply: Reply) -> Answer:
        """The LLM's answer if its citations verify; else the extractive one, with a notice."""
        if reply.error or reply.text is None:
            return replace(
                extractive,
                notice=f"The LLM could not answer ({reply.error}); "
                "this is the offline answer quoted from the transcript.",
            )
        if extractive.refused:
            return extractive  # the transcript does not answer it, whatever the model says
        if is_refusal(reply.text):
            return replace(
                extractive,
                notice="The LLM found no answer in the passages; "
                "these are the closest quotes from the transcript.",
            )
        verified = self.verifier.verify(
            reply.text, extractive.contexts[: self.settings.llm_passages], extractive.question
        )
        if not verified.citations:
            return replace(
                extractive,
                removed_claims=verified.removed,
                notice="None of the LLM's claims could be verified against the "
                "transcript; this is the offline answer quoted from it.",
            )
        notice = None
        if verified.removed:
            notice = (
                f"{len(verified.removed)} claim(s) of the LLM were removed: no passage "
                "of the transcript supports them."
            )
        return replace(
            extractive,
            text=verified.text,
            citations=verified.citations,
            backend=f"llm:{self.settings.llm.model}",
            notice=notice,
            removed_claims=verified.removed,
        )

    # -- helpers ---------------------------------------------------------------------------

    def _prompt_inputs(self, ctx: dict[str, Any]) -> dict[str, Any]:
        return {"question": ctx["question"], "hits": ctx["hits"][: self.settings.llm_passages]}

    def _chain_for(self, factory: Any) -> Runnable:
        """Build each LLM chain once per assistant (the HTTP client is reused)."""
        if factory.__name__ not in self._llm:
            self._llm[factory.__name__] = factory(self.settings.llm)
        return self._llm[factory.__name__]

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


_no_reply: Runnable = RunnableLambda(lambda _: None)


def _describe(exc: Exception) -> str:
    """A one-line reason for a notice; never the API key or a traceback."""
    message = " ".join(str(exc).split())[:160]
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__
