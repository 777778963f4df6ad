"""An optional rerank stage: a cross-encoder rescoring the fused candidates.

No cross-encoder's weights can be installed offline here, so the stage is off unless
`WEBINAR_RAG_RERANK_MODEL` (`ModelSettings.rerank_model`) names a sentence-transformers
`CrossEncoder` folder. The default hybrid pipeline must stand on its own without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from webinar_rag.core import RerankerNotFound
from webinar_rag.models.runtime import load_sentence_transformers


class Reranker(Protocol):
    name: str

    def score(self, question: str, passages: Sequence[str]) -> np.ndarray:
        """One relevance score per passage; higher is more relevant."""
        ...


class CrossEncoderReranker:
    """`sentence_transformers.CrossEncoder(path)` on the CPU, loaded once."""

    def __init__(self, model_path: str, threads: int = 1) -> None:
        path = Path(model_path)
        if not (path / "config.json").is_file():
            raise RerankerNotFound(
                f"No cross-encoder model folder at {model_path}. Point "
                "WEBINAR_RAG_RERANK_MODEL at a sentence-transformers CrossEncoder folder, "
                "or unset it to rank without a reranker."
            )
        self._model = load_sentence_transformers(
            "CrossEncoder",
            path,
            threads,
            RerankerNotFound,
            "cross-encoder",
            "Unset WEBINAR_RAG_RERANK_MODEL to rank without a reranker.",
        )
        self.name = path.name

    def score(self, question: str, passages: Sequence[str]) -> np.ndarray:
        if not passages:
            return np.zeros(0, dtype=np.float32)
        pairs = [(question, p) for p in passages]
        scores = self._model.predict(pairs, show_progress_bar=False, convert_to_numpy=True)
        return np.asarray(scores, dtype=np.float32).reshape(len(passages))


@lru_cache(maxsize=2)
def load_reranker(model_path: str, threads: int = 1) -> CrossEncoderReranker:
    """Heavy models load once per process."""
    return CrossEncoderReranker(model_path, threads)
