"""The rows of an evaluation run, and how each differs from the default.

A row may build its own index (other ingest settings: chunk size, embedding model), change query
settings (retrieval stages, reranker), use another backend (the LLM), or be the plain LangChain
pipeline. Add a row by adding one to `configurations()`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from eval.baseline import BASELINE_NAME, BaselineSettings
from webinar_rag.core import Backend, LLMSettings, Settings
from webinar_rag.models import model_label

ABLATION_CHUNK_SIZES = (350, 1400)  # beside the default 700
NO_RERANKER = (
    "skipped: no cross-encoder model configured (WEBINAR_RAG_RERANK_MODEL); "
    "none can be installed offline here"
)


@dataclass(frozen=True)
class Configuration:
    """One row of the evaluation. `ingest` changes (the chunker, the embedding model) get their
    own index, built from the same transcripts into a temporary folder; `query` changes (query
    numbers, the reranker, the LLM) answer from the loaded one (`Settings.changed`)."""

    name: str
    description: str
    ingest: Mapping[str, Any] | None = None
    query: Mapping[str, Any] = field(default_factory=dict)
    backend: Backend = "extractive"
    pipeline: Literal["assistant", "langchain"] = "assistant"
    skipped: str | None = None  # why this row was not run
    # Choose its own refusal threshold by the sweep (another embedding model scores on
    # another scale); otherwise it uses the configured one.
    tune_refusal: bool = False


def configurations(
    settings: Settings,
    backends: Sequence[Backend] = ("extractive",),
    *,
    ablation: bool = False,
    embed_models: Sequence[str] = (),
    chunk_sizes: Sequence[int] = ABLATION_CHUNK_SIZES,
    llms: Mapping[str, LLMSettings] | None = None,
) -> list[Configuration]:
    """The rows; `llms` (name -> endpoint) gives one LLM row each, else the one configured."""
    plain = {"retrieval_mode": "hybrid", "rerank_model": None}
    rows = []
    for backend in backends:
        if backend != "llm":
            rows.append(
                Configuration(
                    "hybrid (default)",
                    "dense (embedding cosine) and BM25 rankings fused by reciprocal rank; "
                    "extractive answer",
                    query=plain,
                )
            )
            continue
        for name, llm in (llms or {settings.llm.model: settings.llm}).items():
            rows.append(
                Configuration(
                    f"hybrid, llm:{name}",
                    "hybrid retrieval; the LLM writes the answer, verified against the passages",
                    query=plain | {"llm": llm},
                    backend="llm",
                )
            )
    if not ablation:
        return rows
    rerank_model = settings.models.rerank_model
    reranker = f" ({model_label(rerank_model)})" if rerank_model else ""
    rows += [
        Configuration(
            "learned judge",
            "hybrid retrieval; the sentence and answerability judge learned on QMSum train "
            "(webinar_rag/models/judge.json) instead of the weighted sum",
            query=plain | {"judge": "learned"},
        ),
        Configuration(
            "dense only",
            "embedding cosine ranking alone",
            query=plain | {"retrieval_mode": "dense"},
        ),
        Configuration("bm25 only", "BM25 ranking alone", query=plain | {"retrieval_mode": "bm25"}),
        Configuration(
            "hybrid + rerank",
            f"hybrid, then a cross-encoder{reranker} rescoring the top "
            f"{settings.query.rerank_depth} fused passages",
            query=plain | {"rerank_model": rerank_model},
            skipped=None if rerank_model else NO_RERANKER,
        ),
    ]
    chunker = settings.ingest.chunker
    rows += [
        Configuration(
            f"chunks {size}",
            f"hybrid over an index cut into chunks of at most {size} characters",
            ingest={"chunker": replace(chunker, max_chars=size)},
            query=plain,
        )
        for size in chunk_sizes
        if size != chunker.max_chars
    ]
    # Named by a label, never a path: the report is committed (the index's model name is
    # added to the row's note once its index is built).
    rows += [
        Configuration(
            f"embedder {model_label(model)}",
            f"hybrid over an index embedded with {model_label(model)}",
            ingest={"embed_model": model},
            query=plain,
            tune_refusal=True,
        )
        for model in embed_models
    ]
    rows.append(Configuration(BASELINE_NAME, BaselineSettings().describe(), pipeline="langchain"))
    return rows
