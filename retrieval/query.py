"""The values that travel along the query path (see `retrieval.assistant`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypedDict

import numpy as np

from webinar_rag.core import Answer, Backend, Hit


class Options(TypedDict, total=False):
    """The keyword options of `Assistant.ask` and `Assistant.stream`."""

    speaker: str | None
    k: int | None
    backend: Backend | None
    document: str | None
    history: Sequence[Answer] | None  # the conversation so far, oldest first


@dataclass(frozen=True)
class Request:
    """What a caller asks: the question, and optionally whose words, how many passages, who
    writes the answer, and which document (file name or title) to search."""

    question: str
    speaker: str | None = None
    k: int | None = None
    backend: Backend | None = None
    document: str | None = None
    history: Sequence[Answer] | None = None


@dataclass(frozen=True)
class Reply:
    """What the LLM said, or why it said nothing usable."""

    text: str | None
    error: str | None
    ms: float


@dataclass(frozen=True)
class Query:
    """What the path knows so far; each step returns a copy with its part filled in."""

    question: str  # as answered: a follow-up made standalone
    asked: str  # as the user wrote it
    k: int
    use_llm: bool
    explicit_speaker: bool  # the speaker filter came from the caller, not from the question
    speakers: tuple[str, ...]  # whose words to search: full names, or DOCUMENT; () for all
    documents: tuple[str, ...]  # which documents (file names) to search; () for all
    foreign: bool  # written mostly in a script the transcripts never use (QuerySettings)
    began: float  # time.perf_counter() when the question came in
    vector: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32), compare=False)
    hits: tuple[Hit, ...] = ()
    retrieve_ms: float = 0.0
    offline: Answer | None = None  # the extractive answer: always drafted
    reply: Reply | None = None
    answer: Answer | None = None
