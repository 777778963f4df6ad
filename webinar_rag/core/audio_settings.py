"""How recordings become transcripts: the speech model, the speaker count, the limits.

Read from an environment mapping by `webinar_rag.core.settings` (the one module that looks at
the process environment), as part of `IngestSettings`.

    WEBINAR_RAG_WHISPER_MODEL      a CTranslate2 Whisper folder (default: the bundled tiny.en)
    WEBINAR_RAG_ASR_THREADS        threads for speech recognition (default 2)
    WEBINAR_RAG_MAX_RECORDING_MB   the largest recording read (default 2000 MB)
    WEBINAR_RAG_MAX_RECORDING_MIN  the longest recording transcribed (default 240 minutes)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from webinar_rag.core.values import Environment, count, number, text

# A one-hour Zoom recording at 720p is 300-700 MB; audio alone far less. Above this a file is
# reported and skipped, the rest of the batch ingested.
MAX_RECORDING_MB = 2000.0
MAX_RECORDING_MINUTES = 240.0


@dataclass(frozen=True)
class AudioSettings:
    """What decides a recording's transcript (the cache records it; see ingest.audio)."""

    # A faster-whisper (CTranslate2) model folder; None: the bundled Whisper tiny.en.
    whisper_model: Path | None = None
    language: str = "en"
    beam_size: int = 1  # greedy: measured near beam 5 on meeting speech, 3x faster
    threads: int = 2
    # None: estimate the number of speakers; else cluster into exactly this many.
    speakers: int | None = None
    max_recording_mb: float = MAX_RECORDING_MB
    max_minutes: float = MAX_RECORDING_MINUTES
    # Where transcripts are cached by content hash; None: beside the index (ingest decides).
    transcripts_dir: Path | None = None

    @classmethod
    def from_env(cls, env: Environment) -> AudioSettings:
        model = text(env, "WEBINAR_RAG_WHISPER_MODEL")
        threads = count(env, "WEBINAR_RAG_ASR_THREADS", cls.threads, 1, "a thread count")
        return cls(
            whisper_model=Path(model) if model else None,
            threads=int(threads or cls.threads),
            max_recording_mb=number(
                env, "WEBINAR_RAG_MAX_RECORDING_MB", MAX_RECORDING_MB, 0.001, float("inf")
            ),
            max_minutes=number(
                env, "WEBINAR_RAG_MAX_RECORDING_MIN", MAX_RECORDING_MINUTES, 0.01, float("inf")
            ),
        )

    def asr_record(self) -> dict[str, object]:
        """What a cached transcript's words depend on (another model or language: transcribe
        again)."""
        return {
            "model": str(self.whisper_model) if self.whisper_model else "bundled:tiny.en",
            "language": self.language,
            "beam_size": self.beam_size,
        }
