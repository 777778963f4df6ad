"""An index's manifest: how it was built (model, dimension, chunker), what it holds, and a
checksum of each file, so a reader can tell whether it may use the index as it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FORMAT_VERSION = 5  # 5: the manifest holds a sha256 per file


@dataclass(frozen=True)
class Manifest:
    model: str
    dimension: int
    chunker: dict[str, Any]
    speaker_prefix: bool
    sources: dict[str, str]  # file name -> sha256
    n_chunks: int
    n_sentences: int
    format_version: int = FORMAT_VERSION
    metric: str = "inner_product"
    normalized: bool = True
    checksums: dict[str, str] = field(default_factory=dict)  # file -> sha256, set by `save`
    # the chunk vectors' index: flat (exact) or HNSW above the size threshold, with its
    # parameters (webinar_rag.store.folder.vectors), or the database's
    vector_index: dict[str, Any] = field(default_factory=lambda: {"kind": "flat", "exact": True})
