"""A question's MiniLM vector through ONNX Runtime: the same graph as torch, run without
PyTorch's per-module Python overhead (a short question took 18 ms in torch, 10 ms here on the
same loaded machine; the vectors agree to 1e-6, so scores and answers do not change).

The graph is exported from the loaded sentence-transformers model once and cached on disk
(`ModelSettings.cache_dir`), keyed by the model's name (`model_name`: folder plus a hash of its
config); with no cache folder it is exported at each start. Anything that does
not fit (another architecture, no onnxruntime, an export that fails or disagrees with torch)
leaves the caller on torch: this is an optimisation, never a requirement.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)
AGREEMENT = 1e-5  # the largest difference from torch's vector that is accepted


class OnnxQueryEncoder:
    """`encode(features) -> unit vector`: mean pooling of a BERT-style encoder, one thread."""

    def __init__(self, session: Any) -> None:
        self._session = session
        self._inputs = [i.name for i in session.get_inputs()]

    def encode(self, features: dict[str, Any]) -> np.ndarray:
        feeds = {name: features[name].numpy() for name in self._inputs}
        return np.asarray(self._session.run(None, feeds)[0][0], dtype=np.float32)

    @classmethod
    def for_model(
        cls, model: Any, name: str, probe: dict[str, Any], cache: Path | None
    ) -> OnnxQueryEncoder | None:
        """An encoder for a loaded SentenceTransformer, or None when it does not fit."""
        try:
            import onnxruntime as ort
        except ImportError:
            return None
        modules = [type(m).__name__ for m in model]
        if modules[:2] != ["Transformer", "Pooling"] or set(modules[2:]) - {"Normalize"}:
            return None
        if model[1].get_config_dict().get("pooling_mode") != "mean":
            return None
        inputs: list[str] = [
            k for k in ("input_ids", "attention_mask", "token_type_ids") if k in probe
        ]
        try:
            graph = _cached_graph(model[0].auto_model, inputs, probe, name, cache)
            options = ort.SessionOptions()
            options.intra_op_num_threads = 1  # a question stays on one core
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
            encoder = cls(session)
            expected = _torch_vector(model, probe)
            if float(np.abs(encoder.encode(probe) - expected).max()) > AGREEMENT:
                return None
        except Exception as exc:  # any failure of an optional speed-up: stay on torch
            log.info("ONNX query encoder unavailable for %s: %s", name, exc)
            return None
        return encoder


def _cached_graph(
    transformer: Any, inputs: list[str], probe: dict[str, Any], name: str, cache: Path | None
) -> bytes:
    if cache is None:
        return _export(transformer, inputs, probe)
    file = cache / "onnx" / f"{name.replace('/', '_')}.onnx"
    if file.is_file():
        return file.read_bytes()
    graph = _export(transformer, inputs, probe)
    try:  # written beside and renamed: a reader never sees half a file
        file.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=file.parent, delete=False) as tmp:
            tmp.write(graph)
        os.replace(tmp.name, file)
    except OSError as exc:  # an unwritable cache costs a re-export next time, nothing more
        log.info("Could not cache %s: %s", file, exc)
    return graph


def _export(transformer: Any, inputs: list[str], probe: dict[str, Any]) -> bytes:
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, *args: torch.Tensor) -> torch.Tensor:
            features = dict(zip(inputs, args, strict=True))
            tokens = self.transformer(**features).last_hidden_state
            mask = features["attention_mask"].unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=1)

    buffer = io.BytesIO()
    axes = {k: {0: "batch", 1: "tokens"} for k in inputs}
    with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Pooled().eval(),
            tuple(probe[k] for k in inputs),
            buffer,  # type: ignore[arg-type]
            input_names=inputs,
            output_names=["vector"],
            dynamic_axes={**axes, "vector": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    return buffer.getvalue()


def _torch_vector(model: Any, features: dict[str, Any]) -> np.ndarray:
    import torch

    with torch.inference_mode():
        pooled = model.forward(dict(features))["sentence_embedding"]
        pooled = torch.nn.functional.normalize(pooled.float(), dim=1)
    return np.asarray(pooled.numpy()[0], dtype=np.float32)
