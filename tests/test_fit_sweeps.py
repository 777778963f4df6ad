"""The sweeps that fit a number without embedding anything again (eval.pooling: the speaker
line's weight in pooled chunk vectors; eval.ensemble: each dense model's weight) score what
the product would do with that number, and the product carries the number they chose."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from eval.ensemble import CURRENT, reweighted
from eval.pooling import repooled
from ingest import SPEAKER_WEIGHT, ingest
from retrieval import Assistant
from tests.support.seed import CORPUS_FILE, settings_at
from webinar_rag.core import POOLED
from webinar_rag.core.settings import DEFAULT_MODEL
from webinar_rag.models import parse_spec
from webinar_rag.store import FaissStore

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "webinar_rag" / "models"


def _chunks(assistant: Assistant) -> np.ndarray:
    store = assistant.store
    assert isinstance(store, FaissStore)
    vectors = store.index.chunk_vectors
    return np.asarray(vectors.reconstruct_n(0, vectors.ntotal))


@pytest.mark.slow
def test_the_fit_repools_as_a_pooled_ingest_does(tmp_path: Path, assistant: Assistant) -> None:
    """Each weight is scored on vectors re-pooled from an embedded index's sentences: they
    must be the vectors a pooled ingest of the same file makes."""
    base = settings_at(tmp_path / "index")
    settings = replace(base, ingest=replace(base.ingest, chunk_vectors=POOLED))
    ingest([CORPUS_FILE], settings, embedder=assistant.embedder)
    made = FaissStore.load(tmp_path / "index").index
    again, other = repooled(assistant, SPEAKER_WEIGHT, SPEAKER_WEIGHT + 0.5)
    assert isinstance(again.store, FaissStore)
    assert [c.text for c in again.store.index.chunks] == [c.text for c in made.chunks]
    pooled = made.chunk_vectors.reconstruct_n(0, made.chunk_vectors.ntotal)
    # the embedded index keeps its sentence vectors in float16: close, not equal
    assert np.allclose(_chunks(again), pooled, atol=2e-3)
    assert not np.allclose(_chunks(other), pooled, atol=2e-3)


@pytest.mark.slow
def test_the_ensemble_sweep_scores_the_weighted_mean_of_the_two_cosines(
    assistant: Assistant,
) -> None:
    question = "What does Japan's AI bill enforce?"
    same = reweighted(assistant, CURRENT)
    assert np.allclose(_chunks(same), _chunks(assistant), atol=1e-6)
    assert [h.chunk.text for h in same.search(question)] == [
        h.chunk.text for h in assistant.search(question)
    ]
    # MiniLM alone: the scores are MiniLM's own cosines
    minilm = assistant.embedder.parts[0][0]  # type: ignore[attr-defined]
    alone = reweighted(assistant, 1.0)
    texts = [c.embedding_text(True) for c in assistant.store.chunks[:5]]
    expected = minilm.embed(texts) @ minilm.embed_query(question)
    found = _chunks(alone)[:5] @ alone.embedder.embed_query(question)
    assert np.allclose(found, expected, atol=1e-3)
    other = _chunks(reweighted(assistant, 0.0))[:5] @ alone.embedder.embed_query(question)
    assert not np.allclose(other, expected, atol=1e-3)


def test_the_pooled_speaker_weight_is_the_one_the_fit_chose() -> None:
    """Fitted on QMSum train by `python -m eval.pooling`: the product's constant is what that
    command wrote."""
    fit = json.loads((MODELS / "pooling.json").read_text("utf-8"))
    assert "qmsum/train" in fit["fitted_on"] and fit["command"] == "python -m eval.pooling"
    assert fit["speaker_weight"] in fit["grid"]
    assert fit["speaker_weight"] == SPEAKER_WEIGHT


def test_the_default_ensemble_carries_the_weight_the_fit_file_names() -> None:
    """`python -m eval.ensemble` fits MiniLM's weight on QMSum train and lets the development
    corpora choose; the file says whether the product adopted that choice, and the product's
    default spec carries the weight the file names as the product's."""
    fit = json.loads((MODELS / "ensemble.json").read_text("utf-8"))
    assert "qmsum/train" in fit["fitted_on"] and fit["command"] == "python -m eval.ensemble"
    assert fit["retrieval_choice"] in (fit["fitted"], CURRENT)
    assert fit["adopted"] == (fit["retrieval_choice"] == fit["minilm_weight"])
    (_, w_minilm), (_, w_e5) = parse_spec(DEFAULT_MODEL)
    assert DEFAULT_MODEL.startswith("minilm*")
    assert w_minilm / (w_minilm + w_e5) == pytest.approx(fit["minilm_weight"])
