"""Embedding throughput: the Ray Data job beside the single-process path, on one machine.

    python -m bench.ray_embed [--meetings 4] [--actors 2] [--out bench/results/ray_embed.json]

The same QMSum val meetings (public meeting transcripts, from shared/data beside the checkout),
read and cut once, then embedded with the default embedder:
- single process: `embed_documents`, as `webinar-rag ingest` does (every core: a thread pool of
  one-thread torch for MiniLM, e5 on all OpenMP threads; each distinct text once), and the
  same on one thread (WEBINAR_RAG_EMBED_THREADS=1), for what the cores buy;
- Ray: `embed_archive` in local mode, an actor pool of `--actors` actors of one thread each
  (each loads the model), Parquet shards, then `read_shards`; with and without Ray's start-up.
Both embed each distinct text once; `speedup_ray_to_single` is the single process's seconds
over Ray's for the same archive.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from eval.paths import print_json

ROOT = Path(__file__).resolve().parent.parent
QMSUM_VAL = ROOT.parent / "shared" / "data" / "qmsum" / "val"
OUT = ROOT / "bench" / "results" / "ray_embed.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=4)
    parser.add_argument("--actors", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    import ray

    from ingest import embed_documents, ray_job
    from webinar_rag.core import Settings
    from webinar_rag.models import load_embedder

    settings = Settings()
    files = sorted(QMSUM_VAL.glob("*.json"))[: args.meetings]
    sources = ray_job.read_sources(files, settings.ingest)
    cuts = ray_job.cut_all(sources, settings.ingest)
    unique, targets = ray_job.texts_of(cuts, settings.ingest.speaker_prefix)
    texts, distinct = len(targets), len(unique)

    began = time.perf_counter()
    embedder = load_embedder(settings.models)
    load_s = time.perf_counter() - began
    began = time.perf_counter()
    embed_documents(embedder, sources, settings.ingest)
    single_s = time.perf_counter() - began
    # The same on one thread: what "all cores" buys (its own instance: threads are fixed
    # when an embedder loads).
    one_thread = load_embedder(replace(settings.models, embed_threads=1))
    began = time.perf_counter()
    embed_documents(one_thread, sources, settings.ingest)
    one_thread_s = time.perf_counter() - began

    with tempfile.TemporaryDirectory(prefix="bench-ray-") as tmp:
        began = time.perf_counter()
        ray_job.start_ray(num_cpus=args.actors)
        start_s = time.perf_counter() - began
        began = time.perf_counter()
        ray_job.embed_archive(cuts, settings, Path(tmp) / "shards", actors=args.actors)
        ray_job.read_shards(Path(tmp) / "shards", cuts, embedder.dimension)
        ray_s = time.perf_counter() - began
        ray.shutdown()
    result = {
        "data": f"{len(files)} QMSum val meetings: {sum(len(c.chunks) for c in cuts)} chunks, "
        f"{texts} texts to embed ({distinct} distinct)",
        "model": embedder.name,
        "cpus": os.cpu_count(),
        "load_average_after": round(os.getloadavg()[0], 2),
        "single_process": {
            "seconds": round(single_s, 1),
            "model_load_s": round(load_s, 1),
            "texts_per_s": round(distinct / single_s, 1),
        },
        "single_process_one_thread": {
            "seconds": round(one_thread_s, 1),
            "texts_per_s": round(distinct / one_thread_s, 1),
        },
        "ray_local": {
            "actors": args.actors,
            "seconds": round(ray_s, 1),
            "ray_start_s": round(start_s, 1),
            "texts_per_s": round(distinct / ray_s, 1),
            "note": "includes each actor loading the model, and writing and reading the shards",
        },
        # the same archive embedded: how much sooner the Ray job is done
        "speedup_ray_to_single": round(single_s / ray_s, 2),
    }
    print_json(result, args.out)


if __name__ == "__main__":
    main()
