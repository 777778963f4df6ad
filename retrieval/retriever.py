"""Hybrid search (dense + BM25, fused), with an optional speaker filter; also for LangChain."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from ingest.chunks import Chunk
from ingest.embedder import Embedder
from ingest.index import Index
from retrieval.rerank import Reranker, load_reranker
from retrieval.settings import RetrievalMode, Settings
from retrieval.types import DOCUMENT, Hit, Place


class Searcher:
    """Dense (FAISS cosine) and BM25 rankings fused by reciprocal rank, then optionally
    rescored by a cross-encoder; `speakers` narrows the search to some speakers' turns.
    `mode` and `reranker=None` switch stages off, for ablations."""

    def __init__(
        self,
        index: Index,
        embedder: Embedder,
        mode: RetrievalMode = "hybrid",
        rrf_k: int = 60,
        reranker: Reranker | None = None,
        rerank_depth: int = 20,
        bm25_weight: float = 1.0,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.mode = mode
        self.rrf_k = rrf_k
        self.bm25_weight = bm25_weight
        self.reranker = reranker
        self.rerank_depth = rerank_depth
        self._places: dict[str, Place] = {}

    @classmethod
    def from_settings(cls, index: Index, embedder: Embedder, settings: Settings) -> Searcher:
        """The search `settings` describe, so the assistant and the evaluation build it alike;
        the cross-encoder named by `settings.rerank_model` loads once per process."""
        reranker = load_reranker(settings.rerank_model) if settings.rerank_model else None
        return cls(
            index,
            embedder,
            mode=settings.retrieval_mode,
            rrf_k=settings.rrf_k,
            reranker=reranker,
            rerank_depth=settings.rerank_depth,
            bm25_weight=settings.bm25_weight,
        )

    def search(
        self,
        question: str,
        k: int,
        speakers: Sequence[str] | None = None,
        vector: np.ndarray | None = None,
        documents: Sequence[str] | None = None,
    ) -> list[Hit]:
        """The k best chunks, best first; `Hit.score` is the cosine similarity. `speakers`
        (full names, or DOCUMENT) and `documents` (file names) narrow the search."""
        chunks = self.index.chunks
        allowed = set(speakers) if speakers else None
        sources = set(documents) if documents else None
        rows = [
            i
            for i, c in enumerate(chunks)
            if (allowed is None or (c.speaker or DOCUMENT) in allowed)
            and (sources is None or c.source in sources)
        ]
        if not rows:
            return []
        if vector is None:
            vector = self.embedder.embed_query(question)
        # Exact scores for every chunk: transcripts are small and a flat scan is cheap.
        scores, ids = self.index.chunk_vectors.search(vector.reshape(1, -1), len(chunks))
        dense = np.zeros(len(chunks), dtype=np.float32)
        dense[ids[0]] = scores[0]
        if self.mode == "dense":
            order = sorted(rows, key=lambda r: -dense[r])
        else:
            lexical = self.index.lexical.scores(question)
            if self.mode == "bm25":
                order = sorted(rows, key=lambda r: (-lexical[r], -dense[r]))
            else:
                order = self._fuse(rows, dense, lexical)
        if self.reranker is not None:
            order = self._rerank(question, order[: max(k, self.rerank_depth)])
        return [Hit(chunks[r], float(dense[r]), self.place(chunks[r])) for r in order[:k]]

    def place(self, chunk: Chunk) -> Place:
        """Where a chunk sits (document, time, page); worked out once per chunk."""
        if chunk.id not in self._places:
            source = self.index.sources[chunk.source]
            self._places[chunk.id] = Place.of(source, chunk.start_char, chunk.end_char)
        return self._places[chunk.id]

    def _rerank(self, question: str, candidates: list[int]) -> list[int]:
        """The cross-encoder's order over the first-stage candidates (ties keep that order)."""
        assert self.reranker is not None
        prefix = self.index.manifest.speaker_prefix
        texts = [self.index.chunks[r].embedding_text(prefix) for r in candidates]
        scores = self.reranker.score(question, texts)
        ranked = sorted(range(len(candidates)), key=lambda i: (-scores[i], i))
        return [candidates[i] for i in ranked]

    def _fuse(self, rows: list[int], dense: np.ndarray, lexical: np.ndarray) -> list[int]:
        """Reciprocal rank fusion, the BM25 ranking's votes weighted by `bm25_weight`; a chunk
        that shares no word with the query gets no BM25 vote."""
        fused = dict.fromkeys(rows, 0.0)
        for rank, r in enumerate(sorted(rows, key=lambda r: -dense[r]), start=1):
            fused[r] += 1.0 / (self.rrf_k + rank)
        matched = [r for r in rows if lexical[r] > 0]
        for rank, r in enumerate(sorted(matched, key=lambda r: -lexical[r]), start=1):
            fused[r] += self.bm25_weight / (self.rrf_k + rank)
        return sorted(rows, key=lambda r: (-fused[r], -dense[r]))


class TranscriptRetriever(BaseRetriever):
    """The assistant's retrieval as a LangChain `BaseRetriever`; provenance travels in
    `metadata`. `search` is the assistant's own (see `Assistant.retriever`)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    search: Callable[[str], list[Hit]]

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [hit_to_document(h) for h in self.search(query)]


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
