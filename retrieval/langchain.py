"""The query path in LangChain's terms: a hit as a LangChain `Document` (provenance in its
`metadata`), and the whole path as one runnable, for pipelines that expect them (the retriever
is `retrieval.retriever`)."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import asdict
from typing import Any, Protocol, TypeVar

from langchain_core.documents import Document
from langchain_core.runnables import Runnable, RunnableLambda

from retrieval.query import Query, Request
from webinar_rag.core import Backend, Hit

T = TypeVar("T")


class QueryPath(Protocol):
    """The steps of the query path (`retrieval.assistant.Assistant` has them)."""

    def understand(self, request: Request) -> Query: ...

    def retrieve(self, query: Query) -> Query: ...

    def draft(self, query: Query) -> Query: ...

    def generate(self, query: Query, stream: bool = False) -> Generator[str, None, Query]: ...

    def finish(self, query: Query) -> Query: ...


def hit_to_document(hit: Hit) -> Document:
    c = hit.chunk
    return Document(
        page_content=c.text,
        id=c.id,
        metadata={
            "chunk_id": c.id,
            "speaker": c.speaker,
            "affiliation": c.affiliation,
            "source": c.source,
            "start_char": c.start_char,
            "end_char": c.end_char,
            "score": hit.score,
            **asdict(hit.place),
        },
    )


def as_runnable(assistant: QueryPath, backend: Backend | None = None) -> Runnable:
    """The assistant's query path as one LangChain runnable: {"question", "speaker"?, "k"?,
    "document"?, "history"?} (or a question string) -> `Answer`."""

    def request(inputs: dict[str, Any] | str) -> Request:
        if isinstance(inputs, str):
            return Request(inputs, backend=backend)
        return Request(
            inputs["question"],
            inputs.get("speaker"),
            inputs.get("k"),
            backend,
            inputs.get("document"),
            inputs.get("history"),
        )

    return (
        RunnableLambda(request)
        | RunnableLambda(assistant.understand)
        | RunnableLambda(assistant.retrieve)
        | RunnableLambda(assistant.draft)
        | RunnableLambda(lambda query: _result(assistant.generate(query)))
        | RunnableLambda(assistant.finish)
        | RunnableLambda(lambda query: query.answer)
    )


def _result(steps: Generator[Any, None, T]) -> T:
    """Run a step that may yield streamed words to the end, and return what it returns."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value
