"""The retriever as LangChain users build and call it: LangChain's own standard suite
(`langchain-tests`) against a real index, and what that suite does not ask: filters per call
and at construction, the store URL, unknown arguments and bad values refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.documents import Document
from langchain_tests.integration_tests import RetrieversIntegrationTests
from pydantic import ValidationError

from retrieval import Assistant, TranscriptRetriever
from webinar_rag.core import (
    ConfigError,
    IndexNotFound,
    InvalidTopK,
    UnknownDocument,
    UnknownSpeaker,
)

QUESTION = "What does Japan's AI bill enforce?"


@pytest.mark.slow
class TestTranscriptRetrieverStandard(RetrieversIntegrationTests):
    """LangChain's suite, unchanged: constructor `k`, `invoke(q, k=...)`, sync and async."""

    @pytest.fixture(autouse=True)
    def _index(self, index_dir: Path) -> None:
        self._index_dir = index_dir  # the suite builds the retriever from these properties

    @property
    def retriever_constructor(self) -> type[TranscriptRetriever]:
        return TranscriptRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, object]:
        return {"index": self._index_dir, "k": 2}

    @property
    def retriever_query_example(self) -> str:
        return QUESTION


@pytest.mark.slow
def test_per_call_k_and_filters_win_over_the_constructor(index_dir: Path) -> None:
    retriever = TranscriptRetriever(index=index_dir, k=4)
    assert len(retriever.invoke(QUESTION)) == 4
    assert len(retriever.invoke(QUESTION, k=1)) == 1
    docs = retriever.invoke("How should the EU and Japan cooperate?", speaker="Ichikawa", k=3)
    assert docs and {d.metadata["speaker"] for d in docs} == {"Tagui Ichikawa"}
    assert all(isinstance(d, Document) and d.metadata["chunk_id"] == d.id for d in docs)


@pytest.mark.slow
def test_constructor_filters_and_the_answer_contexts_agree(
    index_dir: Path, assistant: Assistant
) -> None:
    retriever = TranscriptRetriever(index=index_dir, k=3, speaker="Tsuda")
    docs = retriever.invoke(QUESTION)
    hits = assistant.search(QUESTION, k=3, speaker="Tsuda")
    assert [d.id for d in docs] == [h.chunk.id for h in hits]
    same = TranscriptRetriever(assistant=assistant, k=3, speaker="Tsuda")
    assert [d.id for d in same.invoke(QUESTION)] == [d.id for d in docs]
    source = docs[0].metadata["source"]
    assert TranscriptRetriever(assistant=assistant, document=source).invoke(QUESTION)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"top_k": 9}, ValidationError),  # a typo is an error, not a silent default
        ({"k": 0}, InvalidTopK),
        ({"k": 51}, InvalidTopK),
        ({"speaker": "Nobody Atall"}, UnknownSpeaker),
        ({"document": "no-such-report"}, UnknownDocument),
    ],
)
def test_bad_constructor_arguments_are_refused(
    index_dir: Path, params: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        TranscriptRetriever(index=index_dir, **params)


@pytest.mark.slow
def test_bad_per_call_arguments_are_refused(assistant: Assistant) -> None:
    retriever = TranscriptRetriever(assistant=assistant)
    with pytest.raises(InvalidTopK):
        retriever.invoke(QUESTION, k=100)
    with pytest.raises(UnknownSpeaker):
        retriever.invoke(QUESTION, speaker="Nobody Atall")
    with pytest.raises(TypeError, match="top_k"):
        retriever.invoke(QUESTION, top_k=1)


def test_a_missing_index_is_index_not_found(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFound, match="webinar-rag ingest"):
        TranscriptRetriever(index=tmp_path / "none", k=2)


@pytest.mark.parametrize(
    "params",
    [
        {"store": "mysql://x"},
        {"store": "postgresql://x", "index": "index"},
        {"assistant": object(), "index": "index"},
    ],
)
def test_conflicting_sources_are_config_errors(params: dict[str, object]) -> None:
    with pytest.raises((ConfigError, ValidationError)):
        TranscriptRetriever(**params)


@pytest.mark.slow
@pytest.mark.postgres
def test_built_from_a_store_url(pg_url: str, index_dir: Path) -> None:
    from webinar_rag.core import IndexSettings
    from webinar_rag.store import copy_index

    copy_index(index_dir, IndexSettings(store_url=pg_url))
    docs = TranscriptRetriever(store=pg_url, k=2).invoke(QUESTION, k=1)
    assert len(docs) == 1 and docs[0].metadata["source"]
