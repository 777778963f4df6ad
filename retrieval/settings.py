"""Query-time settings: defaults answer offline; the environment can point at an LLM."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Literal

from ingest.settings import IngestSettings

Backend = Literal["auto", "extractive", "llm"]
RetrievalMode = Literal["hybrid", "dense", "bm25"]


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class LLMSettings:
    """Any OpenAI-compatible endpoint: OpenAI itself, llama.cpp's server, vLLM, Ollama."""

    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)  # never printed or logged
    model: str = "gpt-4o-mini"
    timeout: float = 30.0  # seconds per request
    max_retries: int = 2  # on connection errors, 429 and 5xx
    max_tokens: int = 400
    temperature: float = 0.0

    @classmethod
    def from_env(cls) -> LLMSettings:
        return cls(
            base_url=os.environ.get("OPENAI_BASE_URL") or None,
            api_key=os.environ.get("OPENAI_API_KEY") or None,
            model=os.environ.get("WEBINAR_RAG_LLM_MODEL", cls.model),
            timeout=_env_float("WEBINAR_RAG_LLM_TIMEOUT", cls.timeout),
            max_retries=int(_env_float("WEBINAR_RAG_LLM_RETRIES", cls.max_retries)),
        )

    @property
    def configured(self) -> bool:
        return bool(self.base_url or self.api_key)


@dataclass(frozen=True)
class Settings:
    ingest: IngestSettings = field(default_factory=IngestSettings)
    llm: LLMSettings = field(default_factory=LLMSettings.from_env)
    # "auto": the LLM when an endpoint is configured, else the offline extractive answerer.
    backend: Backend = "auto"
    # "hybrid": dense and BM25 rankings fused by reciprocal rank (rrf_k); the others ablate it.
    retrieval_mode: RetrievalMode = "hybrid"
    rrf_k: int = 60
    # Optional cross-encoder rerank of the fused candidates: a sentence-transformers
    # CrossEncoder folder (none can be installed offline here, so it is off by default).
    rerank_model: str | None = field(
        default_factory=lambda: os.environ.get("WEBINAR_RAG_RERANK_MODEL") or None
    )
    rerank_depth: int = 20  # fused candidates the cross-encoder rescores
    top_k: int = 5  # passages returned as contexts
    llm_passages: int = 3  # the best of them, numbered in the LLM's prompt
    max_quotes: int = 3  # sentences the extractive answer quotes at most
    # The best sentence must score at least this for the transcript to count as answering.
    # Chosen on eval/questions.jsonl by `python -m eval --sweep` for the default embedder (the
    # MiniLM + e5 ensemble): the threshold with the best refusal accuracy minus false-refusal
    # rate (Youden's J). Another embedder needs its own sweep. See eval/results/report.md.
    refusal_threshold: float = field(
        default_factory=lambda: _env_float("WEBINAR_RAG_REFUSAL_THRESHOLD", 0.63)
    )
    # Further sentences are quoted only if they score within this margin of the best one.
    quote_margin: float = 0.12
    # An LLM claim is kept only if a sentence of its passage supports it at least this much.
    support_threshold: float = 0.5
