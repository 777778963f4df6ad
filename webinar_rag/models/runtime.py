"""How the model libraries run in this process, decided once, when the first model loads.

- Models load from local folders only (`local_files_only`): the bundled packages carry their
  weights, and nothing is ever fetched from a model hub.
- torch runs on `ModelSettings.torch_threads` threads (one by default), set once per process
  by the first load: a question's embedding then takes the same few milliseconds when other
  work (or another question) shares the cores. The e5 engine's thread count is set per calling
  thread (`webinar_rag.models.e5`), never through the process environment.

Nothing here reads or changes the environment; importing it imports no model library.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from webinar_rag.core import WebinarRagError

_lock = threading.Lock()
_torch_threads: int | None = None  # what the first load set


def configure_torch(threads: int) -> None:
    """Import torch and fix its thread count: once per process (later calls keep the first)."""
    global _torch_threads
    with _lock:
        if _torch_threads is not None:
            return
        import torch

        torch.set_num_threads(threads)
        _torch_threads = threads


def load_sentence_transformers(
    kind: str, path: Path, threads: int, error: type[WebinarRagError], what: str, fix: str
) -> Any:
    """A sentence-transformers model (`SentenceTransformer` or `CrossEncoder`) from a local
    folder, on the CPU, never from a hub; a folder it cannot read is `error`, naming `fix`."""
    configure_torch(threads)
    import sentence_transformers
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        return getattr(sentence_transformers, kind)(str(path), device="cpu", local_files_only=True)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:  # a folder it cannot read
        raise error(f"Could not load the {what} at {path} ({exc}). {fix}") from exc
