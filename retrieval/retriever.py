"""The retrieval as a LangChain citizen: `TranscriptRetriever(index="index", k=3)` is built
like any other retriever (from an index folder, a store URL or a loaded assistant), takes `k`,
`speaker` and `document` at construction and per call (`invoke(q, k=1)`), and refuses
arguments it does not know, so a typo (`top_k=9`) is an error instead of a silent default.
LangChain's own standard suite runs against it (tests/test_retriever.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field, PrivateAttr

from retrieval.assistant import Assistant
from retrieval.langchain import hit_to_document
from retrieval.limits import checked_k
from webinar_rag.core import ConfigError, Settings


class TranscriptRetriever(BaseRetriever):
    """Passages of the transcripts, best first, with provenance in each document's `metadata`
    (speaker, affiliation, source, offsets, time or page, score)."""

    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid")

    index: str | Path | None = None
    """An index folder (`webinar-rag ingest --index DIR`); default `settings.index`."""
    store: str | None = None
    """A `postgresql://...` URL: the index kept in PostgreSQL + pgvector."""
    k: int | None = None
    """How many passages (1 to 50); None is the settings' default (5)."""
    speaker: str | None = None
    """Only this speaker's words (full name, surname, or `document`)."""
    document: str | None = None
    """Only this document (file name, stem or title)."""
    settings: Settings | None = Field(default=None, exclude=True)
    """Models and query numbers; default `Settings()` (offline, the bundled models)."""
    assistant: Assistant | None = Field(default=None, exclude=True)
    """An already loaded assistant to search (no second load of the index)."""

    _assistant: Assistant = PrivateAttr()

    def model_post_init(self, context: Any, /) -> None:
        """Load and check everything now: a bad `k`, speaker or document, or a missing index,
        fails at construction with its own error, not at the first question."""
        self.k = checked_k(self.k)
        if self.assistant is not None:
            if self.index is not None or self.store is not None or self.settings is not None:
                raise ConfigError(
                    "TranscriptRetriever takes either a loaded `assistant` or `index`/`store`/"
                    "`settings` to load one, not both."
                )
            self._assistant = self.assistant
        else:
            self._assistant = Assistant.load(self._settings())
        self._check(self.speaker, self.document)

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        k: int | None = None,
        speaker: str | None = None,
        document: str | None = None,
    ) -> list[Document]:
        """Per-call `k`, `speaker` and `document` win over the constructor's."""
        self._assistant = self._assistant.refreshed()  # an ingest may have swapped the index
        hits = self._assistant.search(
            query,
            k=checked_k(k) or self.k,
            speaker=speaker or self.speaker,
            document=document or self.document,
        )
        return [hit_to_document(hit) for hit in hits]

    def _settings(self) -> Settings:
        settings = self.settings or Settings()
        if self.store is not None:
            if not self.store.startswith(("postgresql://", "postgres://")):
                raise ConfigError(
                    f"store={self.store!r} is not a database URL: use postgresql://..., or "
                    "index='FOLDER' for an index folder."
                )
            if self.index is not None:
                raise ConfigError("Give `index` (a folder) or `store` (a URL), not both.")
            return settings.changed(store_url=self.store)
        return settings.at_index(Path(self.index) if self.index is not None else None)

    def _check(self, speaker: str | None, document: str | None) -> None:
        """`UnknownSpeaker` / `UnknownDocument`, naming what there is, for a bad filter."""
        if document:
            self._assistant.store.document_named(document)
        if speaker:
            self._assistant.speaker_named(speaker)
