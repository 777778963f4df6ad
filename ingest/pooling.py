"""Chunk vectors pooled from sentence vectors: one embedding pass where two were spent.

Ingest embeds every sentence anyway (the answerer scores sentences to choose what to quote).
With `IngestSettings.chunk_vectors = "pooled"` the chunks' own pass is skipped: a chunk's
vector is the mean of its sentences' vectors plus `SPEAKER_WEIGHT` times its speaker line's
("Name, Affiliation": what the embedded chunk's prefix carried), made unit length model by
model (each block of an ensemble keeps its weight, as `CompositeEmbedder` makes them). Only
the few distinct speaker lines cost an extra pass.

SPEAKER_WEIGHT is the weight `python -m eval.pooling` fitted on QMSum train (dense and hybrid
MRR@10 over a grid, the chunk vectors re-pooled from a training index's stored sentence
vectors) and checked on the development corpora: webinar_rag/models/pooling.json holds the fit
and its data, and tests/test_fit_sweeps.py checks that the two agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from webinar_rag.core import Chunk
from webinar_rag.models import Embedder
from webinar_rag.store import SentenceKey

SPEAKER_WEIGHT = 0.3


def speaker_line(chunk: Chunk) -> str:
    """The words of the prefix an embedded chunk carries (`Chunk.embedding_text`)."""
    return ", ".join(p for p in (chunk.speaker, chunk.affiliation) if p) or "Document"


def pooled_vectors(
    embedder: Embedder,
    chunks: Sequence[Chunk],
    sentence_rows: Mapping[SentenceKey, int],
    sentence_vectors: np.ndarray,
    speaker_vectors: Mapping[str, np.ndarray] | None,
    speaker_weight: float = SPEAKER_WEIGHT,
) -> np.ndarray:
    """Each chunk's vector from its sentences' rows of `sentence_vectors` (and its speaker
    line's vector times `speaker_weight`, when the index prefixes speakers: `speaker_vectors`
    not None)."""
    dim = embedder.dimension
    out = np.zeros((len(chunks), dim), np.float32)
    for r, chunk in enumerate(chunks):
        rows = [sentence_rows[(chunk.source, s.start_char, s.end_char)] for s in chunk.sentences]
        out[r] = sentence_vectors[rows].mean(axis=0)
        if speaker_vectors is not None:
            out[r] += speaker_weight * speaker_vectors[speaker_line(chunk)]
    for block, scale in _blocks(embedder):
        part = out[:, block]
        norms = np.linalg.norm(part, axis=1, keepdims=True)
        out[:, block] = scale * part / np.maximum(norms, 1e-12)
    return out


def _blocks(embedder: Embedder) -> list[tuple[slice, float]]:
    """Each model's columns (`Embedder.blocks`) and the length its unit vector is scaled to
    in the ensemble (1 for a single model)."""
    scales = [float(scale) for _, scale in getattr(embedder, "scaled", [(embedder, 1.0)])]
    return list(zip(embedder.blocks, scales, strict=True))
