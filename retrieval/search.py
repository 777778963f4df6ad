"""Hybrid search: the store's dense and BM25 rankings fused by reciprocal rank, under an exact
filter (speakers, documents, time), optionally reranked by a cross-encoder."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from webinar_rag.core import DOCUMENT, Chunk, Hit, Place, RetrievalMode, Settings
from webinar_rag.models import Embedder, Reranker, load_reranker
from webinar_rag.store import Filter, Ranked, Store


class Searcher:
    """Dense (FAISS cosine) and BM25 rankings fused by reciprocal rank, then optionally
    rescored by a cross-encoder; `speakers` narrows the search to some speakers' turns.
    `mode` and `reranker=None` switch stages off, for ablations."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        mode: RetrievalMode = "hybrid",
        rrf_k: int = 60,
        reranker: Reranker | None = None,
        rerank_depth: int = 20,
        bm25_weight: float = 1.0,
        candidates: int = 1000,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.mode = mode
        self.rrf_k = rrf_k
        self.bm25_weight = bm25_weight
        self.candidates = candidates
        self.reranker = reranker
        self.rerank_depth = rerank_depth
        self._places: dict[str, Place] = {}

    @classmethod
    def from_settings(cls, store: Store, embedder: Embedder, settings: Settings) -> Searcher:
        """The search `settings` describe, so the assistant and the evaluation build it alike;
        the cross-encoder named by `settings.models.rerank_model` loads once per process."""
        models, query = settings.models, settings.query
        reranker = (
            load_reranker(models.rerank_model, models.torch_threads)
            if models.rerank_model
            else None
        )
        return cls(
            store,
            embedder,
            mode=query.retrieval_mode,
            rrf_k=query.rrf_k,
            reranker=reranker,
            rerank_depth=query.rerank_depth,
            bm25_weight=query.bm25_weight,
            candidates=query.candidates,
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
        if self.store.count(where) == 0:
            return []
        if vector is None:
            vector = self.embedder.embed_query(question)
        depth = max(self.candidates, k, self.rerank_depth)
        dense_ranked = self.store.dense(vector, depth, where)
        dense = dict(dense_ranked)
        if self.mode == "dense":
            order = [r for r, _ in dense_ranked]
        else:
            lexical = self.store.lexical(question, depth, where)
            missing = [r for r, _ in lexical if r not in dense]
            dense |= zip(missing, map(float, self.store.similarity(vector, missing)), strict=True)
            if self.mode == "bm25":
                words = dict(lexical)
                order = sorted(dense, key=lambda r: (-words.get(r, 0.0), -dense[r], r))
            else:
                order = self._fuse(dense_ranked, lexical, dense)
        if self.reranker is not None:
            order = self._rerank(question, order[: max(k, self.rerank_depth)])
        chunks = self.store.chunks
        hits = [Hit(chunks[r], dense[r], self.place(chunks[r])) for r in order[:k]]
        self.store.prefetch(h.chunk for h in hits)
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
            source = self.store.sources[chunk.source]
            self._places[chunk.id] = Place.of(source, chunk.start_char, chunk.end_char)
        return self._places[chunk.id]

    def _rerank(self, question: str, candidates: list[int]) -> list[int]:
        """The cross-encoder's order over the first-stage candidates (ties keep that order)."""
        assert self.reranker is not None
        prefix = self.store.manifest.speaker_prefix
        texts = [self.store.chunks[r].embedding_text(prefix) for r in candidates]
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
