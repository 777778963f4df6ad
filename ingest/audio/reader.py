"""The recording reader: audio and video files as documents whose turns carry times.

A recording is transcribed once per content hash: its transcript is kept as JSON in the
transcripts folder (beside the index), and read back on every later ingest, `--rebuild`
included, so only the text is embedded again. A kept transcript made with another speech model
or language is made again; one made for another `--speakers N` keeps its words and finds the
speakers again.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from ingest.audio.transcribe import transcribe
from ingest.audio.transcript import Transcript, load_transcript, save_transcript
from ingest.readers.base import Document, assemble
from webinar_rag.core import AudioSettings

SUFFIXES = (".wav", ".mp3", ".m4a", ".ogg", ".flac", ".webm", ".mkv", ".mov", ".mp4")
FORMAT = "recording"


class RecordingReader:
    """`--format recording`: a file FFmpeg can decode -> a speaker-attributed, timed document."""

    name: str = FORMAT
    suffixes: tuple[str, ...] = SUFFIXES

    def __init__(
        self,
        settings: AudioSettings | None = None,
        transcripts: Path | None = None,
        progress: bool = False,
    ) -> None:
        self.settings = settings or AudioSettings()
        self.transcripts = transcripts or self.settings.transcripts_dir
        self.progress = progress

    def sniff(self, head: str) -> bool:
        return False  # a recording is never told by its text

    def read(self, path: Path, data: bytes) -> Document:
        transcript, reused = self.transcript(path, data)
        note = (
            "transcript reused (transcribed before)"
            if reused
            else f"transcribed {transcript.duration:.0f} s of audio in "
            f"{transcript.seconds.get('total', 0):.1f} s (real-time factor "
            f"{transcript.seconds.get('total', 0) / max(transcript.duration, 1e-3):.2f})"
        )
        how = "asked for" if transcript.speakers_asked is not None else "estimated"
        return document_of(
            transcript, path.name, path.stem, (note, f"{transcript.n_speakers} speaker(s), {how}")
        )

    def transcript(self, path: Path, data: bytes) -> tuple[Transcript, bool]:
        """The recording's transcript, and whether it was kept from before."""
        sha = hashlib.sha256(data).hexdigest()
        kept = load_transcript(self.transcripts, sha)
        same_words = kept is not None and kept.asr == self.settings.asr_record()
        if kept is not None and same_words and kept.speakers_asked == self.settings.speakers:
            return kept, True
        words = [(w.start, w.end, w.text) for w in kept.words] if kept and same_words else None
        made = transcribe(data, path.name, sha, self.settings, words=words, progress=self.progress)
        if kept is not None and same_words:
            made = replace(made, names=kept.names)
        if self.transcripts is not None:
            save_transcript(self.transcripts, made)
        return made, False


def document_of(
    transcript: Transcript, name: str, title: str, notes: tuple[str, ...] = ()
) -> Document:
    """The document a transcript reads as: one turn per speaker change, a cue per phrase."""
    return assemble(transcript.utterances(), name=name, title=title, format=FORMAT, notes=notes)


def transcripts_beside(index_dir: Path) -> Path:
    """Where an index keeps its recordings' transcripts: `<index>.transcripts/` beside it (the
    index folder itself is replaced whole at every write)."""
    index_dir = Path(index_dir)
    return index_dir.with_name(f"{index_dir.name}.transcripts")
