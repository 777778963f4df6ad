"""The lexical side of the index: BM25 over chunks with `bm25s`, built at ingest and searched
at query time through one object, so both sides tokenise alike. On disk it is plain arrays and
JSON (`allow_pickle=False`), never pickle."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

logging.getLogger("bm25s").setLevel(logging.WARNING)

STEMMER = "snowball-english"  # recorded in the manifest: another stemmer means a rebuild
_local = threading.local()


def _stemmer() -> Stemmer.Stemmer:
    """PyStemmer's Snowball stemmer; one per thread (its objects are not thread-safe)."""
    if not hasattr(_local, "stemmer"):
        _local.stemmer = Stemmer.Stemmer("english")
    return _local.stemmer


def stem(word: str) -> str:
    """The Snowball (Porter 2) stem: `enforce` and `enforcement` both become `enforc`."""
    return str(_stemmer().stemWord(word))


def _stem_words(words: list[str]) -> list[str]:
    return list(_stemmer().stemWords(words))


def query_terms(query: str) -> list[str]:
    """A query's words as BM25 counts them: stopwords out, stemmed, repeats kept."""
    return document_terms([query])[0]


def document_terms(texts: list[str]) -> list[list[str]]:
    """Each text's words as BM25 indexes them (the same tokeniser, stopwords and stemmer)."""
    tokens = bm25s.tokenize(
        texts, stopwords="en", stemmer=_stem_words, return_ids=False, show_progress=False
    )
    return [list(t) for t in tokens]


class LexicalIndex:
    """`LexicalIndex.build(texts).scores(query)`: one BM25 score per text, in text order."""

    def __init__(self, model: bm25s.BM25) -> None:
        self._model = model

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        tokens = bm25s.tokenize(texts, stopwords="en", stemmer=_stem_words, show_progress=False)
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
