"""A recording's transcript as kept beside the index: its words with times and speakers, who
spoke when, and the names given to the speakers. One JSON file per recording, named by the
recording's content hash, so a recording is transcribed once, however often it is ingested,
and a speaker renamed without transcribing again.

The file is written to a temporary name and renamed into place: a crash leaves the old file or
none, never half of one. A file that cannot be read back is ignored (transcribed again).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ingest.readers.base import Utterance

VERSION = 1
PAUSE = 1.0  # seconds of silence that end a cue, even when the speaker goes on
MAX_CUE_WORDS = 40  # a cue is a line of captions, not a monologue


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str
    speaker: int  # 0-based, numbered by first appearance


@dataclass(frozen=True)
class Transcript:
    sha256: str
    duration: float  # seconds of audio
    asr: dict[str, Any]  # what the words depend on (AudioSettings.asr_record)
    words: tuple[Word, ...]
    turns: tuple[tuple[float, float, int], ...]  # who spoke when: (start, end, speaker)
    speakers_asked: int | None = None  # --speakers N, or None (estimated)
    names: dict[str, str] = field(default_factory=dict)  # "Speaker 2" -> "Ana López"
    seconds: dict[str, float] = field(default_factory=dict)  # decode, vad, asr, diarize

    @property
    def n_speakers(self) -> int:
        return len({w.speaker for w in self.words})

    def label(self, speaker: int) -> str:
        """How a speaker is shown: the name given, else `Speaker n` (1-based)."""
        default = default_label(speaker)
        return self.names.get(default, default)

    def labels(self) -> list[str]:
        return list(dict.fromkeys(self.label(w.speaker) for w in self.words))

    def renamed(self, old: str, new: str) -> Transcript:
        """The speakers shown as `old` (a name or `Speaker n`) shown as `new`."""
        defaults = {default_label(w.speaker) for w in self.words}
        chosen = {d for d in defaults if self.names.get(d, d) == old}
        names = {**self.names, **dict.fromkeys(chosen, new)}
        return replace(self, names={d: n for d, n in names.items() if n != d})

    def utterances(self) -> list[Utterance]:
        """Cues: runs of one speaker's words, cut at pauses and every MAX_CUE_WORDS words."""
        cues: list[list[Word]] = []
        for w in self.words:
            last = cues[-1] if cues else None
            if (
                last is not None
                and last[-1].speaker == w.speaker
                and w.start - last[-1].end < PAUSE
                and len(last) < MAX_CUE_WORDS
            ):
                last.append(w)
            else:
                cues.append([w])
        return [
            Utterance(
                self.label(c[0].speaker),
                " ".join(w.text for w in c),
                round(c[0].start, 2),
                round(c[-1].end, 2),
            )
            for c in cues
        ]

    def to_record(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "sha256": self.sha256,
            "duration": self.duration,
            "asr": self.asr,
            "speakers_asked": self.speakers_asked,
            "names": self.names,
            "seconds": self.seconds,
            "turns": [list(t) for t in self.turns],
            "words": [[w.start, w.end, w.text, w.speaker] for w in self.words],
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Transcript:
        if record.get("version") != VERSION:
            raise ValueError(f"transcript version {record.get('version')!r}")
        return cls(
            sha256=str(record["sha256"]),
            duration=float(record["duration"]),
            asr=dict(record["asr"]),
            words=tuple(Word(float(a), float(b), str(t), int(s)) for a, b, t, s in record["words"]),
            turns=tuple((float(a), float(b), int(s)) for a, b, s in record["turns"]),
            speakers_asked=record.get("speakers_asked"),
            names={str(k): str(v) for k, v in record.get("names", {}).items()},
            seconds={str(k): float(v) for k, v in record.get("seconds", {}).items()},
        )


def default_label(speaker: int) -> str:
    return f"Speaker {speaker + 1}"


def transcript_path(folder: Path, sha256: str) -> Path:
    return Path(folder) / f"{sha256}.json"


def load_transcript(folder: Path | None, sha256: str) -> Transcript | None:
    """The kept transcript of the recording with this hash; None when there is none or it
    cannot be read back (then the recording is transcribed again)."""
    if folder is None:
        return None
    path = transcript_path(folder, sha256)
    try:
        found = Transcript.from_record(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return found if found.sha256 == sha256 else None


def save_transcript(folder: Path, transcript: Transcript) -> Path:
    """Write atomically: a temporary file in the same folder, renamed over the old one."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = transcript_path(folder, transcript.sha256)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(transcript.to_record(), out, ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
