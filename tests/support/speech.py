"""Speech whose words and speakers are known: dialogues spoken by Debian's `espeak-ng` in
distinct voices, written as WAV (and, through PyAV, as an .mp4 with a video track), with the
reference of who said what when. For the audio tests and the benchmarks (bench/audio.py)."""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from tests.support.seed import ROOT

RATE = 22_050  # espeak-ng's own rate
# Two 30-second AMI meeting clips with an RTTM reference (../shared/data/audio/README.md).
AMI = ROOT.parent / "shared" / "data" / "audio"
# The clips are public data kept beside the repository, not in it: a clone without them skips
# the tests that need them, as the QMSum and ELITR tests do.
needs_ami = pytest.mark.skipif(
    not (AMI / "dev00.wav").is_file(), reason=f"the AMI clips are not at {AMI}"
)
VOICES = ("en-us+m3", "en-gb+f4", "en-us+m7")  # three voices a listener tells apart

# A short planning meeting: two people, numbers spelled out (the reference is the text).
DIALOGUE: tuple[tuple[int, str], ...] = (
    (0, "Good morning everyone, thank you for joining the budget review."),
    (1, "Thanks. I would like to start with the marketing plan for the spring."),
    (0, "Sure. What did the team decide about the radio campaign?"),
    (1, "We decided to cancel the radio campaign and move the money to online video."),
    (0, "That sounds reasonable. How much money are we talking about?"),
    (1, "About forty thousand euros, which covers three months of video advertising."),
    (0, "Good. Please send the numbers to the finance team before Friday."),
    (1, "I will send them tomorrow, together with the new schedule."),
)


@dataclass(frozen=True)
class Line:
    speaker: int
    text: str
    start: float
    end: float


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def say(text: str, voice: str, speed: int = 160) -> np.ndarray:
    """One line spoken by espeak-ng, as float32 samples at RATE."""
    out = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "--stdout", text],
        check=True,
        capture_output=True,
    ).stdout
    with wave.open(io.BytesIO(out)) as w:
        frames = w.readframes(w.getnframes())
    return np.frombuffer(frames, dtype=np.int16).astype(np.float32) / 32768


def synthesise(
    lines: Sequence[tuple[int, str]], gap: float = 0.5, voices: Sequence[str] = VOICES
) -> tuple[np.ndarray, list[Line]]:
    """A dialogue as one recording (`gap` seconds of silence between lines) and its
    reference: who said which words, from when to when (trailing silence trimmed)."""
    parts: list[np.ndarray] = []
    reference: list[Line] = []
    at = 0
    silence = np.zeros(int(gap * RATE), dtype=np.float32)
    for speaker, text in lines:
        spoken = say(text, voices[speaker])
        loud = np.nonzero(np.abs(spoken) > 0.01)[0]
        spoken = spoken[: loud[-1] + 1] if len(loud) else spoken
        first = int(loud[0]) if len(loud) else 0
        reference.append(Line(speaker, text, (at + first) / RATE, (at + len(spoken)) / RATE))
        parts += [spoken, silence]
        at += len(spoken) + len(silence)
    return np.concatenate([silence, *parts]), [
        Line(r.speaker, r.text, r.start + gap, r.end + gap) for r in reference
    ]


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def write_mp4(path: Path, samples: np.ndarray | None, rate: int = RATE, seconds: float = 0.0,
              video: bool = True) -> Path:  # fmt: skip
    """An .mp4 as a meeting tool writes one: a small video track and the audio as AAC (or,
    with `samples=None`, video alone: a recording without sound)."""
    import av

    duration = seconds if samples is None else len(samples) / rate
    with av.open(str(path), "w", format="mp4") as out:
        picture = out.add_stream("mpeg4", rate=5) if video else None
        if picture is not None:
            picture.width, picture.height, picture.pix_fmt = 64, 48, "yuv420p"
        sound = out.add_stream("aac", rate=rate) if samples is not None else None
        if sound is not None:
            sound.layout = "mono"
        if picture is not None:
            for i in range(max(1, int(duration * 5))):
                image = av.VideoFrame.from_ndarray(
                    np.full((48, 64, 3), (i * 7) % 255, dtype=np.uint8), format="rgb24"
                )
                out.mux(picture.encode(image))
            out.mux(picture.encode(None))
        if sound is not None and samples is not None:
            block = 1024
            for i in range(0, len(samples), block):
                chunk = samples[i : i + block].astype(np.float32)[None, :]
                frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
                frame.sample_rate = rate
                frame.pts = i
                out.mux(sound.encode(frame))
            out.mux(sound.encode(None))
    return path


_ONES = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
]  # fmt: skip
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def spoken_number(n: int) -> str:
    """0 <= n < 1,000,000 in words, as the dialogues write numbers: 40000 -> forty thousand."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = "" if n % 100 == 0 else " " + spoken_number(n % 100)
        return _ONES[n // 100] + " hundred" + rest
    rest = "" if n % 1000 == 0 else " " + spoken_number(n % 1000)
    return spoken_number(n // 1000) + " thousand" + rest


def normalise_words(text: str) -> str:
    """For word error rate: lower case, numbers spelled out (Whisper writes digits), no
    punctuation."""
    import re

    text = re.sub(r"(\d)\s*,\s*(\d{3})", r"\1\2", text)  # 40,000 and Whisper's "40 ,000"
    text = re.sub(r"\d+", lambda m: f" {spoken_number(int(m.group()))} ", text)
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())
