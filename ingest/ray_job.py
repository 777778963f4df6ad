"""Embedding an archive as a Ray Data job, and bulk-loading its shards into the store.

    cuts = cut_all(read_sources(paths, settings), settings.ingest)
    shards = embed_archive(cuts, settings, folder)     # local Ray, or ray.init(address=...)
    bulk_load(read_shards(folder, cuts, dimension), embedder, settings)   # the configured store

The driver reads and cuts the documents (cheap) and hands each distinct text to embed to a Ray
dataset of rows (key, text), ordered by length so a batch carries little padding.
`map_batches` runs them through a pool of actors, each loading the embedder once and embedding
on one thread (so N actors fill N cores, on one machine or a cluster's), and the vectors are
written as Parquet shards. `read_shards` puts them back with their chunks; `bulk_load` writes
them through the configured store's writer, like any ingest (the folder: one build and an
atomic swap; PostgreSQL: COPY, one transaction), keeping every other document it holds.
Needs the `ray` extra: `pip install 'webinar-rag[ray]'`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ingest.files import find_transcripts
from ingest.flow import add_parts
from ingest.parts import cut_documents
from ingest.plan import make_plan, read_files
from webinar_rag.core import Chunk, IngestSettings, ModelSettings, Settings, Source
from webinar_rag.models import Embedder, load_embedder
from webinar_rag.store import EMPTY, DocumentVectors, Held, SentenceKey

CHUNK, SENTENCE = 0, 1  # what a target is: a chunk's vector or a sentence's
Target = tuple[str, int, int, int]  # (document, CHUNK or SENTENCE, position, text number)
ROOT = Path(__file__).resolve().parent.parent  # on the workers' path, so they import `ingest`


@dataclass(frozen=True)
class Cut:
    source: Source
    chunks: list[Chunk]
    keys: list[SentenceKey]


class EmbedBatch:
    """The Ray actor: the model loads once per actor; each batch is embedded on one thread."""

    def __init__(self, settings: ModelSettings) -> None:
        self.embedder = load_embedder(replace(settings, torch_threads=1, embed_threads=1))

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = self.embedder.embed([str(t) for t in batch["text"]], batch_size=32)
        return {"key": batch["key"], "vector": vectors}


def cut_all(sources: Sequence[Source], settings: IngestSettings) -> list[Cut]:
    """Each document cut into chunks, with its sentences' keys (one entity pass for all)."""
    return [
        Cut(s, *part) for s, part in zip(sources, cut_documents(sources, settings), strict=True)
    ]


def texts_of(cuts: Sequence[Cut], speaker_prefix: bool) -> tuple[list[str], list[Target]]:
    """Each distinct text once, shortest first (similar lengths batch together; meetings
    repeat "Yeah." hundreds of times), and where each chunk's and sentence's vector comes from."""
    wanted: list[tuple[str, int, int, str]] = []
    for cut in cuts:
        name, text = cut.source.name, cut.source.text
        wanted += [
            (name, CHUNK, i, c.embedding_text(speaker_prefix)) for i, c in enumerate(cut.chunks)
        ]
        wanted += [(name, SENTENCE, i, text[a:b]) for i, (_, a, b) in enumerate(cut.keys)]
    distinct = sorted(dict.fromkeys(t for *_, t in wanted), key=len)
    number = {t: i for i, t in enumerate(distinct)}
    return distinct, [(name, kind, i, number[t]) for name, kind, i, t in wanted]


def embed_archive(
    cuts: Sequence[Cut],
    settings: Settings,
    shards: Path,
    *,
    address: str | None = None,
    actors: int | None = None,
    batch_size: int = 128,
) -> list[Path]:
    """Embed every chunk and sentence of `cuts` with a Ray Data job; the Parquet shards it
    wrote. Without `address` (and no Ray running) Ray starts on this machine."""
    import ray

    if not ray.is_initialized():
        start_ray(address)
    actors = actors or max(1, int(ray.available_resources().get("CPU", 1)))
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    distinct, _ = texts_of(cuts, settings.ingest.speaker_prefix)
    dataset = ray.data.from_items([{"key": i, "text": t} for i, t in enumerate(distinct)])
    embedded = dataset.map_batches(
        EmbedBatch,
        fn_constructor_args=(settings.models,),
        batch_size=batch_size,
        batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=actors),
        num_cpus=1,
    )
    shards.mkdir(parents=True, exist_ok=True)
    embedded.write_parquet(str(shards))
    return sorted(shards.glob("*.parquet"))


def start_ray(address: str | None = None, num_cpus: int | None = None) -> None:
    """Join the cluster at `address`, or start Ray on this machine. Workers import this
    checkout's packages, and embed on one thread each (OpenMP too: the worker processes'
    environment is Ray's to set, not ours)."""
    import ray

    ray.init(
        address=address,
        num_cpus=num_cpus if address is None else None,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
        runtime_env={"env_vars": {"PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}},
    )


def read_shards(
    shards: Path, cuts: Sequence[Cut], dimension: int, speaker_prefix: bool = True
) -> list[DocumentVectors]:
    """The shards' vectors, put back with their documents' chunks and sentences."""
    import pyarrow.parquet as pq

    table = pq.read_table(str(shards)).to_pydict()
    found = dict(zip(table["key"], table["vector"], strict=True))
    distinct, targets = texts_of(cuts, speaker_prefix)
    if len(found) != len(distinct):
        raise ValueError(f"The shards in {shards} hold {len(found)} of {len(distinct)} texts.")
    vectors = {
        c.source.name: (
            np.zeros((len(c.chunks), dimension), np.float32),
            np.zeros((len(c.keys), dimension), np.float32),
        )
        for c in cuts
    }
    for name, kind, position, key in targets:
        vectors[name][kind][position] = found[key]
    return [
        DocumentVectors(
            c.source, c.chunks, vectors[c.source.name][0], c.keys, vectors[c.source.name][1]
        )
        for c in sorted(cuts, key=lambda c: c.source.name)
    ]


def bulk_load(parts: Sequence[DocumentVectors], embedder: Embedder, settings: Settings) -> Held:
    """Write the job's documents into the configured store, through its writer: they replace
    their earlier versions, and every other document the store holds stays."""
    return add_parts(parts, embedder, settings)


def read_sources(paths: Sequence[Path], settings: IngestSettings) -> list[Source]:
    """The transcripts under `paths`, read as ingest reads them (a file that fails or is too
    big is left out: `ingest` reports it)."""
    files, _ = find_transcripts(paths)
    plan = make_plan(files, (), EMPTY, reusable=True, format=None, max_mb=settings.max_file_mb)
    return read_files(plan)
