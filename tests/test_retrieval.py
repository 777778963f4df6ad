"""Hybrid retrieval: BM25 and dense rankings, fused by reciprocal rank, on crafted cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest import IngestSettings, ingest
from ingest.embedder import Embedder
from ingest.index import Index
from retrieval.retriever import Searcher

CRAFTED = """# Crafted meeting

**Anna Berg, Director, Cabinet Office**

The committee approved funding for project XR-7 last week.

**Lars Olsen, Professor, Example University**

Money for the new initiative was agreed by the panel after a long debate about costs.

**Mia Chen, Engineer, Example Corp**

The weather in Oslo was cold and the trains were late.
"""


@pytest.fixture(scope="module")
def crafted_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Index:
    folder = tmp_path_factory.mktemp("crafted")
    (folder / "crafted.md").write_text(CRAFTED, encoding="utf-8")
    settings = IngestSettings(corpus=folder, index_dir=folder / "index")
    ingest([folder / "crafted.md"], settings, embedder=embedder)
    return Index.load(folder / "index")


def ranking(index: Index, embedder: Embedder, mode: str, question: str) -> list[str | None]:
    searcher = Searcher(index, embedder, mode=mode)  # type: ignore[arg-type]
    return [h.chunk.speaker for h in searcher.search(question, k=3)]


@pytest.mark.slow
def test_bm25_finds_an_exact_code_and_hybrid_keeps_it_on_top(
    crafted_index: Index, embedder: Embedder
) -> None:
    question = "What happened with XR-7?"
    assert ranking(crafted_index, embedder, "bm25", question)[0] == "Anna Berg"
    assert ranking(crafted_index, embedder, "hybrid", question)[0] == "Anna Berg"


@pytest.mark.slow
def test_fusion_reorders_what_dense_alone_ranks(crafted_index: Index, embedder: Embedder) -> None:
    """Reciprocal rank fusion by hand: dense says 0 > 1 > 2; BM25 matches only 1 and 2, 1 first.
    Fused (k=60): 1 = 1/62 + 1/61, 2 = 1/63 + 1/62, 0 = 1/61, so 1 > 2 > 0."""
    searcher = Searcher(crafted_index, embedder, mode="hybrid", rrf_k=60)
    dense = np.array([0.9, 0.5, 0.1], dtype=np.float32)
    lexical = np.array([0.0, 3.0, 1.0], dtype=np.float32)
    assert searcher._fuse([0, 1, 2], dense, lexical) == [1, 2, 0]
    # with no BM25 match at all, fusion is the dense order
    assert searcher._fuse([0, 1, 2], dense, np.zeros(3, dtype=np.float32)) == [0, 1, 2]


@pytest.mark.slow
def test_a_speaker_filter_applies_to_every_mode(crafted_index: Index, embedder: Embedder) -> None:
    for mode in ("dense", "bm25", "hybrid"):
        searcher = Searcher(crafted_index, embedder, mode=mode)  # type: ignore[arg-type]
        hits = searcher.search("What happened with XR-7?", k=3, speakers=["Lars Olsen"])
        assert [h.chunk.speaker for h in hits] == ["Lars Olsen"]


def test_ablation_modes_are_settings(tmp_path: Path) -> None:
    from retrieval import Settings

    assert Settings().retrieval_mode == "hybrid"
    assert Settings(retrieval_mode="dense").retrieval_mode == "dense"
