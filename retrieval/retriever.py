"""Dense search over the index, with an optional speaker filter, also as a LangChain retriever."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from ingest.embedder import Embedder
from ingest.index import Index
from retrieval.types import Hit

DOCUMENT = "document"  # the filter value for text that belongs to no speaker


class Searcher:
    """Cosine search over chunk vectors; `speakers` narrows it to some speakers' turns."""

    def __init__(self, index: Index, embedder: Embedder) -> None:
        self.index = index
        self.embedder = embedder

    def search(
        self, query: str | np.ndarray, k: int, speakers: Sequence[str] | None = None
    ) -> list[Hit]:
        vector = self.embedder.embed_query(query) if isinstance(query, str) else query
        allowed = set(speakers) if speakers else None
        total = self.index.chunk_vectors.ntotal
        if total == 0:
            return []
        # With a filter, look at every chunk: transcripts are small and exact search is cheap.
        depth = total if allowed else min(k, total)
        scores, rows = self.index.chunk_vectors.search(vector.reshape(1, -1), depth)
        hits: list[Hit] = []
        for score, row in zip(scores[0], rows[0], strict=True):
            if row < 0:
                continue
            chunk = self.index.chunks[int(row)]
            if allowed is not None and (chunk.speaker or DOCUMENT) not in allowed:
                continue
            hits.append(Hit(chunk, float(score)))
            if len(hits) == k:
                break
        return hits


class TranscriptRetriever(BaseRetriever):
    """The same search as a LangChain `BaseRetriever`; provenance travels in `metadata`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    searcher: Searcher
    k: int = 5
    speakers: list[str] | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [hit_to_document(h) for h in self.searcher.search(query, self.k, self.speakers)]


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
        },
    )
