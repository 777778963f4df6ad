"""The folder's lexical index: BM25 over chunks with `bm25s`, built at ingest and searched at
query time through one object, so both sides tokenise alike (webinar_rag.store.terms). On
disk it is plain arrays and JSON (`allow_pickle=False`), never pickle."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np

from webinar_rag.store.terms import query_terms, stem_words


class LexicalIndex:
    """`LexicalIndex.build(texts).scores(query)`: one BM25 score per text, in text order."""

    def __init__(self, model: bm25s.BM25) -> None:
        self._model = model

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        tokens = bm25s.tokenize(texts, stopwords="en", stemmer=stem_words, show_progress=False)
        model = bm25s.BM25()
        model.index(tokens, show_progress=False)
        return cls(model)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        return cls(bm25s.BM25.load(str(folder), allow_pickle=False, show_progress=False))

    def save(self, folder: Path) -> None:
        self._model.save(str(folder), allow_pickle=False, show_progress=False)

    @property
    def size(self) -> int:
        """How many texts are indexed."""
        return int(self._model.scores["num_docs"])

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every text for a query (zeros when no query word is indexed)."""
        known = [t for t in query_terms(query) if t in self._model.vocab_dict]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._model.get_scores(known), dtype=np.float32)
