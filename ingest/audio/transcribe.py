"""A recording in, its transcript out: decode -> voice activity -> words -> who spoke when.

    decode (PyAV, 16 kHz mono) -> speech regions (Silero VAD) -> words with times
    (faster-whisper) -> speaker segments (voice encoder + clustering) -> each word's speaker

The words are recognised once per content hash and model; asking for another number of
speakers re-runs only the (cheap) speaker part.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence

import numpy as np
from tqdm import tqdm

from ingest.audio.decode import SAMPLING_RATE, decode
from ingest.audio.diarize import Segment, diarize
from ingest.audio.transcript import Transcript, Word
from webinar_rag.core import AudioSettings, RecordingError
from webinar_rag.models.speech import load_whisper, speech_regions

RawWord = tuple[float, float, str]
SNAP = 1.5  # seconds: how far a change of speaker may move to a sentence end


def transcribe(
    data: bytes,
    name: str,
    sha256: str,
    settings: AudioSettings,
    *,
    words: Sequence[RawWord] | None = None,
    progress: bool = False,
) -> Transcript:
    """The transcript of a recording's bytes; `words`: already recognised (only the speakers
    are found again)."""
    clock: dict[str, float] = {}
    began = time.perf_counter()
    samples = decode(data, name, settings.max_minutes)
    duration = len(samples) / SAMPLING_RATE
    clock["decode"] = time.perf_counter() - began
    regions = speech_regions(samples)
    clock["vad"] = time.perf_counter() - began - clock["decode"]
    if not regions:
        raise _no_speech(name, duration)
    if words is None:
        at = time.perf_counter()
        words = recognise(samples, settings, name, progress)
        clock["asr"] = time.perf_counter() - at
    if not words:
        raise _no_speech(name, duration)
    at = time.perf_counter()
    segments = diarize(samples, regions, settings.speakers)
    clock["diarize"] = time.perf_counter() - at
    clock["total"] = time.perf_counter() - began
    labelled, order = assign(words, segments)
    later = {s.speaker for s in segments} - set(order)  # heard, but no words of theirs
    order |= {s: len(order) + i for i, s in enumerate(sorted(later))}
    return Transcript(
        sha256=sha256,
        duration=round(duration, 3),
        asr=settings.asr_record(),
        words=tuple(labelled),
        turns=tuple((round(s.start, 3), round(s.end, 3), order[s.speaker]) for s in segments),
        speakers_asked=settings.speakers,
        seconds={k: round(v, 3) for k, v in clock.items()},
    )


def recognise(
    samples: np.ndarray, settings: AudioSettings, name: str = "", progress: bool = False
) -> list[RawWord]:
    """Words with their times, from faster-whisper (greedy, word timestamps, its VAD filter);
    a progress bar over the audio's seconds shows the real-time factor."""
    model = load_whisper(settings.whisper_model, settings.threads)
    duration = len(samples) / SAMPLING_RATE
    segments, _ = model.transcribe(
        samples,
        language=settings.language,
        beam_size=settings.beam_size,
        word_timestamps=True,
        vad_filter=True,
        vad_parameters={"min_silence_duration_ms": 500, "speech_pad_ms": 200},
        condition_on_previous_text=False,
    )
    found: list[RawWord] = []
    began = time.perf_counter()
    bar = tqdm(
        total=max(1, round(duration)), desc=f"transcribing {name}", unit="s", file=sys.stderr,
        disable=not progress, leave=False,
    )  # fmt: skip
    with bar:
        for segment in segments:
            for w in segment.words or ():
                text = w.word.strip()
                if text:
                    found.append((round(float(w.start), 3), round(float(w.end), 3), text))
            bar.update(max(0, round(min(float(segment.end), duration)) - bar.n))
            elapsed = time.perf_counter() - began
            bar.set_postfix(rtf=f"{elapsed / max(float(segment.end), 1e-3):.2f}")
        bar.update(bar.total - bar.n)
    return found


def assign(
    words: Sequence[RawWord], segments: Sequence[Segment]
) -> tuple[list[Word], dict[int, int]]:
    """Each word's speaker: the segment holding its middle, else the nearest one; speakers
    renumbered by who speaks first (the map from the segments' numbers)."""
    spans = np.array([(s.start, s.end) for s in segments], dtype=np.float64).reshape(-1, 2)
    owners: list[int] = []
    for start, end, _ in words:
        if not len(spans):
            owners.append(0)
            continue
        middle = (start + end) / 2
        distance = np.maximum(spans[:, 0] - middle, 0) + np.maximum(middle - spans[:, 1], 0)
        owners.append(segments[int(np.argmin(distance))].speaker)
    owners = snap_to_sentences(words, owners)
    order = {s: i for i, s in enumerate(dict.fromkeys(owners))}
    labelled = [Word(a, b, t, order[s]) for (a, b, t), s in zip(words, owners, strict=True)]
    return labelled, order


def snap_to_sentences(
    words: Sequence[RawWord], owners: list[int], reach: float = SNAP
) -> list[int]:
    """Move each change of speaker that falls inside a sentence to the nearest sentence end
    within `reach` seconds (and within the two speakers' runs): the embeddings, 1.6 s wide,
    blur a change by a word or two, while people mostly hand over at the end of a sentence."""
    owners = list(owners)
    runs = [0] + [i for i in range(1, len(owners)) if owners[i] != owners[i - 1]] + [len(owners)]
    for k in range(1, len(runs) - 1):
        left, change, right = runs[k - 1], runs[k], runs[k + 1]
        if owners[change] == owners[change - 1] or _ends_sentence(words[change - 1][2]):
            continue  # an earlier move joined these runs, or the change is at a sentence end
        at = words[change][0]
        ends = [
            j
            for j in range(max(left + 1, 1), right)
            if _ends_sentence(words[j - 1][2]) and abs(words[j][0] - at) <= reach
        ]
        if not ends:
            continue
        best = min(ends, key=lambda j: abs(words[j][0] - at))
        before, after = owners[change - 1], owners[change]
        for j in range(min(best, change), max(best, change)):
            owners[j] = after if best < change else before
    return owners


def _ends_sentence(word: str) -> bool:
    return word.rstrip("\"')»”").endswith((".", "?", "!"))


def _no_speech(name: str, duration: float) -> RecordingError:
    return RecordingError(
        f"{name} holds no speech ({duration:.0f} s of silence, music or noise): nothing to "
        "transcribe. Check that it is the right recording and that its sound is not muted."
    )
