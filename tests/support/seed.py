"""The shipped corpus and development questions, and the JSON contract's keys."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from webinar_rag.core import IndexSettings, IngestSettings, LLMSettings, QuerySettings, Settings

if TYPE_CHECKING:
    from retrieval import Assistant
    from webinar_rag.models import Embedder

ROOT = Path(__file__).resolve().parents[2]
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
    "backend",  # which backend answered ("extractive" or "llm:<model>")
    "notice",  # None, or what went wrong / what was changed
    "resolved_question",  # the follow-up as answered, or None
    "responsible",  # who will do / did it: [{person, assigned_by, citation, according_to}]
}


def read_corpus() -> str:
    return CORPUS_FILE.read_text(encoding="utf-8")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by relative path, with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def settings_at(index_dir: Path, corpus: Path | None = None, **query: Any) -> Settings:
    """Offline and explicit: the caller's WEBINAR_RAG_* and OPENAI_* variables never reach
    these tests."""
    return Settings(
        index=IndexSettings(index_dir=index_dir),
        ingest=IngestSettings(corpus=corpus or CORPUS_FILE.parent),
        query=QuerySettings(backend="extractive", **query),
        llm=LLMSettings(),
    )


def assistant_over(tmp_path: Path, embedder: Embedder, files: dict[str, str]) -> Assistant:
    """An assistant over these transcripts (file name -> text), ingested under `tmp_path`."""
    from ingest import ingest
    from retrieval import Assistant

    folder = tmp_path / "corpus"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    settings = settings_at(tmp_path / "index", corpus=folder)
    ingest(None, settings, embedder=embedder)
    return Assistant.load(settings)
