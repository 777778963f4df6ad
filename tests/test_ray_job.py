"""Embedding an archive as a Ray Data job (Ray on this machine), and both stores bulk-loading
its shards: the vectors are the ones ingest makes in-process, and the loaded corpus answers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import settings_at
from test_corpus import LOG, VTT, corpus

from ingest import embed_documents
from ingest.ray_job import bulk_load, cut_all, embed_archive, read_shards, read_sources
from retrieval import Assistant
from webinar_rag.core import IndexSettings
from webinar_rag.models import Embedder
from webinar_rag.store.postgres.store import PgStore

pytestmark = [pytest.mark.slow, pytest.mark.ray]


@pytest.fixture
def local_ray() -> Iterator[None]:
    import ray

    yield
    ray.shutdown()


@pytest.mark.postgres
def test_a_ray_job_embeds_as_ingest_does_and_both_stores_bulk_load_it(
    tmp_path: Path,
    embedder: Embedder,
    pg_url: str,
    local_ray: None,
) -> None:
    folder = corpus(tmp_path, review_vtt=VTT, wind_txt=LOG)
    settings = settings_at(tmp_path / "index", folder)
    sources = read_sources([folder], settings.ingest)
    cuts = cut_all(sources, settings.ingest)
    shards = embed_archive(cuts, settings, tmp_path / "shards", actors=1, batch_size=8)
    assert shards and all(s.suffix == ".parquet" for s in shards)
    parts = read_shards(tmp_path / "shards", cuts, embedder.dimension)
    expected = embed_documents(embedder, sources, settings.ingest)
    assert [p.source.name for p in parts] == sorted(expected) == ["review.vtt", "wind.txt"]
    for part in parts:
        mine = expected[part.source.name]
        assert [c.id for c in part.chunks] == [c.id for c in mine.chunks]
        assert part.sentence_keys == mine.sentence_keys
        assert np.allclose(part.chunk_vectors, mine.chunk_vectors, atol=1e-4)
        assert np.allclose(part.sentence_vectors, mine.sentence_vectors, atol=1e-4)

    bulk_load(parts, embedder, settings)  # the folder
    in_database = replace(
        settings, index=IndexSettings(index_dir=settings.index.index_dir, store_url=pg_url)
    )
    bulk_load(parts, embedder, in_database)  # the database, by COPY
    database = Assistant.load(in_database)
    assert isinstance(database.store, PgStore)
    folder_store = Assistant.load(settings)
    for assistant in (database, folder_store):
        answer = assistant.ask("What does the harbour crane cost?")
        assert not answer.refused and answer.citations[0].speaker == "Olivia Brandt"
