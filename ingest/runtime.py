"""How the model libraries run in this process, decided once, when the first model loads.

Importing the project changes nothing; `prepare()` is called by the model loaders (and may be
called earlier by an entry point). The policy:

- Model hubs are unreachable here: the Hugging Face libraries are told to stay offline.
- Idle OpenMP threads sleep (`OMP_WAIT_POLICY=PASSIVE`): torch and the e5 engine each bring
  an OpenMP runtime, and with both loaded, spinning workers of one starved the other (an e5 query
  took 1.7 s instead of 30 ms). These two are read when a library loads, so they are set (unless
  the user set them) before the first model library is imported.
- torch runs on `torch_threads()` threads, set once: one by default, so a question's embedding
  takes the same few milliseconds when other work (or another question) shares the cores.
  The e5 engine's thread count is set per calling thread (see `ingest.embedder`), never through
  the process environment.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from ingest.errors import ConfigError, WebinarRagError

THREADS_ENV = "WEBINAR_RAG_TORCH_THREADS"
_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "OMP_WAIT_POLICY": "PASSIVE",
}
_lock = threading.Lock()
_torch_ready = False


def prepare() -> None:
    """Set the loading environment; a no-op for values the user has set."""
    for name, value in _ENVIRONMENT.items():
        os.environ.setdefault(name, value)


def torch_threads() -> int:
    """torch's intra-op threads: `WEBINAR_RAG_TORCH_THREADS`, else 1."""
    raw = os.environ.get(THREADS_ENV, "1")
    try:
        threads = int(raw)
    except ValueError:
        threads = 0
    if threads < 1:
        raise ConfigError(f"{THREADS_ENV}={raw!r} is not a thread count; use 1 or more.")
    return threads


def configure_torch() -> None:
    """Prepare, import torch and fix its thread count: once per process."""
    global _torch_ready
    with _lock:
        if _torch_ready:
            return
        threads = torch_threads()
        prepare()
        import torch

        torch.set_num_threads(threads)
        _torch_ready = True


def load_sentence_transformers(
    kind: str, path: Path, error: type[WebinarRagError], what: str, fix: str
) -> Any:
    """A sentence-transformers model (`SentenceTransformer` or `CrossEncoder`) from a local
    folder, on the CPU, never from a hub; a folder it cannot read is `error`, naming `fix`."""
    configure_torch()
    import sentence_transformers
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        return getattr(sentence_transformers, kind)(str(path), device="cpu", local_files_only=True)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:  # a folder it cannot read
        raise error(f"Could not load the {what} at {path} ({exc}). {fix}") from exc
