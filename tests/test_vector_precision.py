"""Vectors kept smaller or made cheaper (issue 21): float16 sentence vectors rank as the float32
ones, an index written with float32 sentence vectors still reads, and pooled chunk vectors are
what the embedder gives for the chunk's sentences and speaker line."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import faiss
import numpy as np
import pytest

from ingest import ingest
from ingest.pooling import SPEAKER_WEIGHT, speaker_line
from retrieval import Assistant
from tests.support.seed import CORPUS_FILE, settings_at
from webinar_rag.core import POOLED, ConfigError, IngestSettings
from webinar_rag.models import Embedder
from webinar_rag.store import FaissStore

QUESTIONS = (
    "What does Japan's AI bill enforce?",
    "Who moderated the webinar?",
    "What are the risk categories of the EU AI Act?",
    "When does the AI Act apply?",
    "What did the panel say about generative AI?",
)


def _sentences(store: FaissStore) -> tuple[list[str], np.ndarray]:
    """Every sentence's text and its stored vector, in row order."""
    index = store.index
    keys = sorted(index.sentence_rows, key=index.sentence_rows.__getitem__)
    texts = [index.sources[s].text[a:b] for s, a, b in keys]
    stored = index.sentence_vectors.reconstruct_n(0, index.sentence_vectors.ntotal)
    return texts, np.asarray(stored, np.float32)


@pytest.mark.slow
def test_float16_sentence_vectors_rank_as_float32(assistant: Assistant, embedder: Embedder) -> None:
    store = assistant.store
    assert isinstance(store, FaissStore)
    assert isinstance(store.index.sentence_vectors, faiss.IndexScalarQuantizer)
    texts, stored = _sentences(store)
    exact = embedder.embed(texts)  # float32, as the model gives them
    assert np.abs(stored - exact).max() < 1e-3
    for question in QUESTIONS:
        q = embedder.embed_query(question)
        kept, full = stored @ q, exact @ q
        assert np.abs(kept - full).max() < 1e-3
        # the same best sentence, and the same five best up to near ties
        assert int(np.argmax(kept)) == int(np.argmax(full))
        top = np.argsort(-full)[:5]
        assert full[np.argsort(-kept)[:5]].min() >= full[top].min() - 1e-3


@pytest.mark.slow
def test_an_index_with_float32_sentence_vectors_still_reads(index_copy: Path) -> None:
    store = FaissStore.load(index_copy)
    _, stored = _sentences(store)
    flat = faiss.IndexFlatIP(stored.shape[1])
    flat.add(stored)
    store.index.sentence_vectors = flat  # as every index before float16 was written
    again = index_copy.parent / "float32"
    store.index.save(again)
    read = FaissStore.load(again)
    assert isinstance(read.index.sentence_vectors, faiss.IndexFlatIP)
    key = next(iter(read.index.sentence_rows))
    row = read.index.sentence_rows[key]
    assert np.array_equal(read.index.sentence_vectors.reconstruct(row), stored[row])


@pytest.mark.slow
def test_pooled_chunk_vectors_are_the_embedders_sentences_and_speaker(
    tmp_path: Path, embedder: Embedder
) -> None:
    base = settings_at(tmp_path / "index")
    settings = replace(base, ingest=replace(base.ingest, chunk_vectors=POOLED))
    ingest([CORPUS_FILE], settings, embedder=embedder)
    store = FaissStore.load(tmp_path / "index")
    assert store.index.manifest.chunker["chunk_vectors"] == POOLED
    index = store.index
    for row, chunk in enumerate(index.chunks):
        source = index.sources[chunk.source].text
        said = embedder.embed([source[s.start_char : s.end_char] for s in chunk.sentences])
        mixed = said.mean(axis=0) + SPEAKER_WEIGHT * embedder.embed([speaker_line(chunk)])[0]
        expected = np.concatenate(
            [scale * mixed[b] / np.linalg.norm(mixed[b]) for b, scale in _blocks(embedder)]
        )
        assert np.allclose(index.chunk_vectors.reconstruct(row), expected, atol=1e-5)
    # the default embeds chunks: going back re-embeds every document, none is kept as it was
    back = ingest([CORPUS_FILE], base, embedder=embedder)
    assert not back.up_to_date
    assert "chunk_vectors" not in FaissStore.load(tmp_path / "index").index.manifest.chunker


def _blocks(embedder: Embedder) -> list[tuple[slice, float]]:
    start, found = 0, []
    for model, scale in getattr(embedder, "scaled", [(embedder, 1.0)]):
        found.append((slice(start, start + model.dimension), scale))
        start += model.dimension
    return found


def test_chunk_vectors_setting_is_checked() -> None:
    assert IngestSettings.from_env({}).chunk_vectors == "embedded"
    assert IngestSettings.from_env({"WEBINAR_RAG_CHUNK_VECTORS": "pooled"}).chunk_vectors == POOLED
    with pytest.raises(ConfigError, match="WEBINAR_RAG_CHUNK_VECTORS='mean' is not valid"):
        IngestSettings.from_env({"WEBINAR_RAG_CHUNK_VECTORS": "mean"})
