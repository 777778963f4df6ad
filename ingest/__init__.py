"""Read transcripts into speaker turns, cut them into chunks, embed them and write the index."""

from ingest.chunks import Chunk, Sentence, chunk_turns
from ingest.errors import (
    CorpusNotFound,
    IndexCorrupt,
    IndexMismatch,
    IndexNotFound,
    TranscriptFormatError,
    WebinarRagError,
)
from ingest.index import Index, Manifest, Source
from ingest.pipeline import IngestReport, ingest
from ingest.settings import IngestSettings
from ingest.turns import Turn, parse_transcript

__all__ = [
    "Chunk",
    "CorpusNotFound",
    "Index",
    "IndexCorrupt",
    "IndexMismatch",
    "IndexNotFound",
    "IngestReport",
    "IngestSettings",
    "Manifest",
    "Sentence",
    "Source",
    "TranscriptFormatError",
    "Turn",
    "WebinarRagError",
    "chunk_turns",
    "ingest",
    "parse_transcript",
]
