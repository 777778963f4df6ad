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
from ingest.faiss_store import as_store
from ingest.index import Index
from ingest.store import Filter, Ranked, Store
from retrieval.rerank import Reranker, load_reranker
from retrieval.settings import RetrievalMode, Settings
from retrieval.types import DOCUMENT, Hit, Place


class Searcher:
    """Dense (FAISS cosine) and BM25 rankings fused by reciprocal rank, then optionally
    rescored by a cross-encoder; `speakers` narrows the search to some speakers' turns.
    `mode` and `reranker=None` switch stages off, for ablations."""

    def __init__(
        self,
        index: Index | Store,
        embedder: Embedder,
        mode: RetrievalMode = "hybrid",
        rrf_k: int = 60,
        reranker: Reranker | None = None,
        rerank_depth: int = 20,
        bm25_weight: float = 1.0,
        candidates: int = 1000,
    ) -> None:
        self.index = as_store(index)
        self.embedder = embedder
        self.mode = mode
        self.rrf_k = rrf_k
        self.bm25_weight = bm25_weight
        self.candidates = candidates
        self.reranker = reranker
        self.rerank_depth = rerank_depth
        self._places: dict[str, Place] = {}

    @classmethod
    def from_settings(
        cls, index: Index | Store, embedder: Embedder, settings: Settings
    ) -> Searcher:
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
            candidates=settings.candidates,
        )

    def search(
        self,
        question: str,
        k: int,
        speakers: Sequence[str] | None = None,
        vector: np.ndarray | None = None,
        documents: Sequence[str] | None = None,
        during: tuple[float | None, float | None] | None = None,
    ) -> list[Hit]:
        """The k best chunks, best first; `Hit.score` is the cosine similarity. `speakers`
        (full names, or DOCUMENT), `documents` (file names) and `during` (start and end,
        seconds into the recording) narrow the search; the store applies them exactly.

        Each ranking is the store's top `candidates` (every admitted chunk, while there are
        no more than that: then the fusion is the one over all chunks it always was). A
        chunk found by words alone gets its exact dense score, but no dense vote."""
        where = self.filter(speakers, documents, during)
        if self.index.count(where) == 0:
            return []
        if vector is None:
            vector = self.embedder.embed_query(question)
        depth = max(self.candidates, k, self.rerank_depth)
        dense_ranked = self.index.dense(vector, depth, where)
        dense = dict(dense_ranked)
        if self.mode == "dense":
            order = [r for r, _ in dense_ranked]
        else:
            lexical = self.index.lexical(question, depth, where)
            missing = [r for r, _ in lexical if r not in dense]
            dense |= zip(missing, map(float, self.index.similarity(vector, missing)), strict=True)
            if self.mode == "bm25":
                words = dict(lexical)
                order = sorted(dense, key=lambda r: (-words.get(r, 0.0), -dense[r], r))
            else:
                order = self._fuse(dense_ranked, lexical, dense)
        if self.reranker is not None:
            order = self._rerank(question, order[: max(k, self.rerank_depth)])
        chunks = self.index.chunks
        hits = [Hit(chunks[r], dense[r], self.place(chunks[r])) for r in order[:k]]
        self.index.prefetch(h.chunk for h in hits)
        return hits

    @staticmethod
    def filter(
        speakers: Sequence[str] | None,
        documents: Sequence[str] | None,
        during: tuple[float | None, float | None] | None = None,
    ) -> Filter:
        """The store's filter for the search's arguments (DOCUMENT: text no speaker said)."""
        names = frozenset(s for s in speakers or () if s != DOCUMENT)
        return Filter(
            speakers=names if speakers else None,
            unattributed=DOCUMENT in (speakers or ()),
            documents=frozenset(documents) if documents else None,
            start_s=during[0] if during else None,
            end_s=during[1] if during else None,
        )

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

    def _fuse(self, dense: Ranked, lexical: Ranked, scores: dict[int, float]) -> list[int]:
        """Reciprocal rank fusion, the BM25 ranking's votes weighted by `bm25_weight`; a chunk
        that shares no word with the query gets no BM25 vote. Ties: the better dense score,
        then the earlier chunk."""
        fused = dict.fromkeys(scores, 0.0)
        for rank, (r, _) in enumerate(dense, start=1):
            fused[r] += 1.0 / (self.rrf_k + rank)
        for rank, (r, _) in enumerate(lexical, start=1):
            fused[r] += self.bm25_weight / (self.rrf_k + rank)
        return sorted(fused, key=lambda r: (-fused[r], -scores[r], r))


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
