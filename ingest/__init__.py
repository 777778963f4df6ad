"""Read transcripts in any format into speaker turns, cut them into chunks, mark the answer
kinds of each sentence, embed them, and write them through the configured store's writer.

    readers/ (a file -> Document) -> identities -> chunking -> entities -> parts -> flow

Importing this package changes nothing in the process; models load when an ingest needs them.
"""

from ingest import ray_job  # the Ray Data job: `ray` loads only when it runs
from ingest.audio import RecordingReader, Transcript, load_transcript, transcripts_beside
from ingest.audio.decode import decode as decode_recording
from ingest.chunking import chunk_turns, turn_sentences
from ingest.export import FORMATS as TRANSCRIPT_FORMATS
from ingest.export import transcript_text
from ingest.files import find_transcripts
from ingest.flow import (
    add_parts,
    chunker_record,
    ingest,
    manifest_for,
    recording_reader,
    remove_documents,
)
from ingest.identities import identities, unify_speakers
from ingest.parts import cut_documents, embed_documents
from ingest.pooling import SPEAKER_WEIGHT, pooled_vectors, speaker_line
from ingest.readers import NO_SPEAKERS, READERS, SUFFIXES, Document, read_document, reader_for
from ingest.readers.markdown import parse_transcript
from ingest.rename import rename_speaker
from ingest.summary import FileResult, IngestSummary

TRANSCRIPT_SUFFIXES = SUFFIXES

__all__ = [
    "NO_SPEAKERS",
    "READERS",
    "SPEAKER_WEIGHT",
    "TRANSCRIPT_FORMATS",
    "TRANSCRIPT_SUFFIXES",
    "Document",
    "FileResult",
    "IngestSummary",
    "RecordingReader",
    "Transcript",
    "add_parts",
    "chunk_turns",
    "chunker_record",
    "cut_documents",
    "decode_recording",
    "embed_documents",
    "find_transcripts",
    "identities",
    "ingest",
    "load_transcript",
    "manifest_for",
    "parse_transcript",
    "pooled_vectors",
    "ray_job",
    "read_document",
    "reader_for",
    "recording_reader",
    "remove_documents",
    "rename_speaker",
    "speaker_line",
    "transcript_text",
    "transcripts_beside",
    "turn_sentences",
    "unify_speakers",
]
