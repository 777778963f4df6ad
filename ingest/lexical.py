"""BM25 over chunks with `bm25s` (plain arrays and JSON on disk, never pickle)."""

from __future__ import annotations

import logging
from pathlib import Path

import bm25s
import numpy as np

logging.getLogger("bm25s").setLevel(logging.WARNING)


def stem(word: str) -> str:
    """A crude stem: enough for `enforce` to meet `enforcement` and `regulation` `regulatory`."""
    return word[:5] if len(word) > 5 else word


def _stem_words(words: list[str]) -> list[str]:
    return [stem(w) for w in words]


def build_bm25(texts: list[str]) -> bm25s.BM25:
    tokens = bm25s.tokenize(texts, stopwords="en", stemmer=_stem_words, show_progress=False)
    model = bm25s.BM25()
    model.index(tokens, show_progress=False)
    return model


def save_bm25(model: bm25s.BM25, folder: Path) -> None:
    model.save(str(folder), allow_pickle=False, show_progress=False)


def load_bm25(folder: Path) -> bm25s.BM25:
    return bm25s.BM25.load(str(folder), allow_pickle=False, show_progress=False)


def bm25_scores(model: bm25s.BM25, query: str, n_docs: int) -> np.ndarray:
    """BM25 score of every chunk for a query (zeros when no query word is indexed)."""
    tokens = bm25s.tokenize(
        [query], stopwords="en", stemmer=_stem_words, return_ids=False, show_progress=False
    )[0]
    known = [t for t in tokens if t in model.vocab_dict]
    if not known:
        return np.zeros(n_docs, dtype=np.float32)
    return np.asarray(model.get_scores(known), dtype=np.float32)
