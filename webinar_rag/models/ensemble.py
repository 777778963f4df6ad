"""Several embedding models as one (an ensemble of dense retrievers)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from webinar_rag.models.base import Embedder
from webinar_rag.models.spec import MODEL_SEPARATOR, WEIGHT_MARK


class CompositeEmbedder(Embedder):
    """Several models as one: each model's unit vector scaled by the square root of its
    weight and concatenated. The result has unit length, and the inner product of two such
    vectors is the weighted mean of the models' cosine similarities, so FAISS, the answerer
    and the index format work unchanged with an ensemble of dense retrievers."""

    def __init__(self, parts: list[tuple[Embedder, float]]) -> None:
        total = sum(w for _, w in parts)
        self.parts = [(e, w / total) for e, w in parts]
        self.scaled = [(e, float(np.sqrt(w))) for e, w in self.parts]
        self.path = MODEL_SEPARATOR.join(f"{e.path}{WEIGHT_MARK}{w:g}" for e, w in parts)
        self.name = MODEL_SEPARATOR.join(f"{e.name}{WEIGHT_MARK}{w:g}" for e, w in self.parts)
        self.dimension = sum(e.dimension for e, _ in self.parts)
        # A question's models run side by side, each on one thread (torch and the e5 engine
        # release the GIL): its wait is the slowest model's, not the sum.
        self.concurrent_queries = True
        self._pool = ThreadPoolExecutor(max(len(parts) - 1, 1), "query-embed")

    @property
    def blocks(self) -> list[slice]:
        found, start = [], 0
        for e, _ in self.parts:
            found.append(slice(start, start + e.dimension))
            start += e.dimension
        return found

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        blocks = [e.embed(texts, batch_size) * scale for e, scale in self.scaled]
        return np.ascontiguousarray(np.hstack(blocks), dtype=np.float32)

    def embed_query(self, text: str, across_languages: bool = False) -> np.ndarray:
        """Across languages, a model that cannot match across them gets a zero block (when
        another model can): the inner product is then the other models' similarity alone,
        scaled by a constant, instead of being mixed with noise."""
        keep = [not across_languages or e.cross_lingual for e, _ in self.scaled]
        if not any(keep):
            keep = [True] * len(keep)
        parts = [(e, s) for (e, s), kept in zip(self.scaled, keep, strict=True) if kept]
        if self.concurrent_queries and len(parts) > 1:
            # the slowest (last: e5 in the default) on this thread, the others on the pool's
            pending = [self._pool.submit(e.embed_query, text) for e, _ in parts[:-1]]
            last = parts[-1][0].embed_query(text)
            found = [p.result() for p in pending] + [last]
        else:
            found = [e.embed_query(text) for e, _ in parts]
        vectors = iter(found)
        blocks = [
            next(vectors) * scale if kept else np.zeros(e.dimension, np.float32)
            for (e, scale), kept in zip(self.scaled, keep, strict=True)
        ]
        vector = np.concatenate(blocks).astype(np.float32)
        return np.ascontiguousarray(vector / float(np.linalg.norm(vector)), dtype=np.float32)
