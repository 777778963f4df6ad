"""The sweeps that fit a number without embedding anything again (eval.pooling: the speaker
line's weight in pooled chunk vectors) score what the product would do with that number, and
the product carries the number they chose."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from eval.pooling import repooled
from ingest import SPEAKER_WEIGHT, ingest
from retrieval import Assistant
from tests.support.seed import CORPUS_FILE, settings_at
from webinar_rag.core import POOLED
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
    again = repooled(assistant, SPEAKER_WEIGHT)
    assert isinstance(again.store, FaissStore)
    assert [c.text for c in again.store.index.chunks] == [c.text for c in made.chunks]
    pooled = made.chunk_vectors.reconstruct_n(0, made.chunk_vectors.ntotal)
    # the embedded index keeps its sentence vectors in float16: close, not equal
    assert np.allclose(_chunks(again), pooled, atol=2e-3)
    assert not np.allclose(_chunks(repooled(assistant, SPEAKER_WEIGHT + 0.5)), pooled, atol=2e-3)


def test_the_pooled_speaker_weight_is_the_one_the_fit_chose() -> None:
    """Fitted on QMSum train by `python -m eval.pooling`: the product's constant is what that
    command wrote."""
    fit = json.loads((MODELS / "pooling.json").read_text("utf-8"))
    assert "qmsum/train" in fit["fitted_on"] and fit["command"] == "python -m eval.pooling"
    assert fit["speaker_weight"] in fit["grid"]
    assert fit["speaker_weight"] == SPEAKER_WEIGHT
