"""The words BM25 counts, the same for every store: bm25s's tokeniser with English stopwords
and the Snowball stemmer, at ingest and at query time alike."""

from __future__ import annotations

import bm25s

from webinar_rag.core.text import stemmer

STEMMER = "snowball-english"  # recorded in the manifest: another stemmer means a rebuild


def stem_words(words: list[str]) -> list[str]:
    return list(stemmer().stemWords(words))


def query_terms(query: str) -> list[str]:
    """A query's words as BM25 counts them: stopwords out, stemmed, repeats kept."""
    return document_terms([query])[0]


def document_terms(texts: list[str]) -> list[list[str]]:
    """Each text's words as BM25 indexes them (the same tokeniser, stopwords and stemmer)."""
    tokens = bm25s.tokenize(
        texts, stopwords="en", stemmer=stem_words, return_ids=False, show_progress=False
    )
    return [list(t) for t in tokens]
