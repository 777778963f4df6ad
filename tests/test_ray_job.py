"""Embedding an archive as a Ray Data job (Ray on this machine), and both stores bulk-loading
its shards: the vectors are the ones ingest makes in-process, and the loaded corpus answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from ingest.pg_store import PgStore
from ingest.store import STORE_ENV
from ingest import embed_documents
from test_corpus import LOG, VTT, corpus

from webinar_rag.core import IngestSettings
from webinar_rag.models import Embedder
from ingest.ray_job import bulk_load, cut_all, embed_archive, read_shards, read_sources
from retrieval import Assistant
from webinar_rag.core import Settings

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
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = corpus(tmp_path, review_vtt=VTT, wind_txt=LOG)
    settings = IngestSettings(corpus=folder, index_dir=tmp_path / "index")
    sources = read_sources([folder])
    cuts = cut_all(sources, settings)
    shards = embed_archive(cuts, settings, tmp_path / "shards", actors=1, batch_size=8)
    assert shards and all(s.suffix == ".parquet" for s in shards)
    parts = read_shards(tmp_path / "shards", cuts, embedder.dimension)
    expected = embed_documents(embedder, sources, settings)
    for part in parts:
        mine = expected[part.source.name]
        assert [c.id for c in part.chunks] == [c.id for c in mine.chunks]
        assert part.sentence_keys == mine.sentence_keys
        assert np.allclose(part.chunk_vectors, mine.chunk_vectors, atol=1e-4)
        assert np.allclose(part.sentence_vectors, mine.sentence_vectors, atol=1e-4)

    bulk_load(parts, embedder, settings)  # the folder
    monkeypatch.setenv(STORE_ENV, pg_url)
    bulk_load(parts, embedder, settings)  # the database, by COPY
    database = Assistant.load(Settings(ingest=settings, backend="extractive"))
    assert isinstance(database.index, PgStore)
    monkeypatch.delenv(STORE_ENV)
    folder_store = Assistant.load(Settings(ingest=settings, backend="extractive"))
    for assistant in (database, folder_store):
        answer = assistant.ask("What does the harbour crane cost?")
        assert not answer.refused and answer.citations[0].speaker == "Olivia Brandt"
