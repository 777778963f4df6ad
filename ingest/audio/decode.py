"""A recording's bytes -> 16 kHz mono samples, with PyAV (FFmpeg's libraries, in its wheel).

Any container FFmpeg reads works (.mp4 .m4a .mov .mkv .webm .mp3 .ogg .flac .wav); the first
audio track is used and mixed down to mono. What cannot be read is a `RecordingError` naming
the file and the fix: no audio track, a corrupt or truncated container, longer than the limit.
"""

from __future__ import annotations

import io
import re
from typing import Any

import numpy as np

from webinar_rag.core import RecordingError

SAMPLING_RATE = 16_000
AUDIO_EXTRA = "pip install -e '.[audio]' (scripts/setup.sh test installs it)"


def _av() -> Any:
    try:
        import av
    except ImportError as exc:
        raise RecordingError(f"Reading recordings needs the audio extra: {AUDIO_EXTRA}.") from exc
    return av


def decode(data: bytes, name: str, max_minutes: float) -> np.ndarray:
    """The first audio track as float32 samples at 16 kHz, mono."""
    if not data:
        raise RecordingError(f"{name} is empty. Copy the recording again, or remove the file.")
    av = _av()
    try:
        container = av.open(io.BytesIO(data), mode="r", metadata_errors="ignore")
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise _corrupt(name, exc) from exc
    with container:
        if not container.streams.audio:
            kinds = ", ".join(sorted({s.type for s in container.streams})) or "no streams"
            raise RecordingError(
                f"{name} has no audio track (it holds {kinds}). Export the recording with its "
                "sound, or ingest its transcript instead."
            )
        stream = container.streams.audio[0]
        limit = max_minutes * 60
        if container.duration is not None and container.duration / 1e6 > limit + 1:
            raise _too_long(name, container.duration / 1e6, max_minutes)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLING_RATE)
        chunks: list[np.ndarray] = []
        total = 0
        try:
            for frame in container.decode(stream):
                frame.pts = None  # let the resampler time frames itself (some files skip)
                for out in resampler.resample(frame):
                    chunk = out.to_ndarray().reshape(-1)
                    chunks.append(chunk)
                    total += chunk.size
                if total > (limit + 1) * SAMPLING_RATE:
                    raise _too_long(name, total / SAMPLING_RATE, max_minutes)
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
        except (av.FFmpegError, ValueError) as exc:
            raise _corrupt(name, exc) from exc
    samples = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
    if samples.size == 0:
        raise RecordingError(
            f"{name}: its audio track holds no sound that can be decoded. Check the file plays, "
            "or export it again."
        )
    return samples


def _corrupt(name: str, exc: Exception) -> RecordingError:
    why = re.sub(r"\[Errno -?\d+\]\s*", "", str(exc)).split(": '<", 1)[0].strip()
    return RecordingError(
        f"{name} is not a readable recording (corrupt or truncated container: "
        f"{why or type(exc).__name__}). Check "
        "that it plays, or export it again."
    )


def _too_long(name: str, seconds: float, max_minutes: float) -> RecordingError:
    return RecordingError(
        f"{name} is {seconds / 60:,.0f} minutes long, over the {max_minutes:g}-minute limit for "
        "one recording; split it, or raise WEBINAR_RAG_MAX_RECORDING_MIN"
    )
