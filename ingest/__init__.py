"""Read transcripts into speaker turns, cut them into chunks, embed them and write the index.

Importing this package changes nothing in the process; the model loaders apply the runtime
policy (offline hubs, OpenMP threads) when the first model loads (see `ingest.runtime`).
"""

from ingest.chunks import Chunk, Sentence, chunk_turns, normalise
from ingest.embedder import Embedder, load_embedder, minilm_path, model_label
from ingest.errors import (
    ConfigError,
    CorpusNotFound,
    DatasetError,
    EmptyQuestion,
    IndexBusy,
    IndexCorrupt,
    IndexFolderError,
    IndexMismatch,
    IndexNotFound,
    IndexUnreadable,
    IndexWriteError,
    InvalidTopK,
    LLMBadReply,
    LLMError,
    LLMNotConfigured,
    LLMUnavailable,
    ModelNotFound,
    NotAnIndexFolder,
    QuestionError,
    QuestionFileError,
    QuestionTooLong,
    RerankerNotFound,
    TranscriptFormatError,
    UnknownDocument,
    UnknownSpeaker,
    WebinarRagError,
)
from ingest.faiss_store import FaissStore
from ingest.index import Index, Manifest, Source
from ingest.pipeline import FileReport, IngestReport, ingest
from ingest.readers import SUFFIXES as TRANSCRIPT_SUFFIXES
from ingest.removal import remove_documents
from ingest.settings import MAX_FILE_MB, ChunkerSettings, IngestSettings, default_model_path
from ingest.store import Corpus, Filter, Store, open_store
from ingest.turns import Turn, parse_transcript

__all__ = [
    "MAX_FILE_MB",
    "TRANSCRIPT_SUFFIXES",
    "Chunk",
    "ChunkerSettings",
    "ConfigError",
    "Corpus",
    "CorpusNotFound",
    "DatasetError",
    "Embedder",
    "EmptyQuestion",
    "FaissStore",
    "FileReport",
    "Filter",
    "Index",
    "IndexBusy",
    "IndexCorrupt",
    "IndexFolderError",
    "IndexMismatch",
    "IndexNotFound",
    "IndexUnreadable",
    "IndexWriteError",
    "IngestReport",
    "IngestSettings",
    "InvalidTopK",
    "LLMBadReply",
    "LLMError",
    "LLMNotConfigured",
    "LLMUnavailable",
    "Manifest",
    "ModelNotFound",
    "NotAnIndexFolder",
    "QuestionError",
    "QuestionFileError",
    "QuestionTooLong",
    "RerankerNotFound",
    "Sentence",
    "Source",
    "Store",
    "TranscriptFormatError",
    "Turn",
    "UnknownDocument",
    "UnknownSpeaker",
    "WebinarRagError",
    "chunk_turns",
    "default_model_path",
    "ingest",
    "load_embedder",
    "minilm_path",
    "model_label",
    "normalise",
    "open_store",
    "parse_transcript",
    "remove_documents",
]
