"""Recordings (audio and video files) as timed, speaker-attributed documents, offline:

    decode -> voice activity -> words (faster-whisper) -> who spoke when -> turns

Needs the `audio` extra; importing this package imports none of its libraries.
"""

from ingest.audio.reader import FORMAT, SUFFIXES, RecordingReader, document_of, transcripts_beside
from ingest.audio.transcript import Transcript, load_transcript, save_transcript

__all__ = [
    "FORMAT",
    "SUFFIXES",
    "RecordingReader",
    "Transcript",
    "document_of",
    "load_transcript",
    "save_transcript",
    "transcripts_beside",
]
