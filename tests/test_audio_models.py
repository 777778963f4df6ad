"""Recordings through the real models: Whisper tiny.en, the Silero VAD and the voice encoder on
a real AMI meeting clip and on dialogues espeak-ng speaks here, scored against what was said
(words, and who spoke when); then a synthesised meeting ingested from .mp4 and asked about.
Slow: each loads the speech models (about a second) and transcribes some seconds of audio."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import jiwer
import pytest
from pyannote.core import Annotation, Segment, Timeline
from pyannote.metrics.diarization import DiarizationErrorRate

from ingest.audio import RecordingReader, load_transcript, transcripts_beside
from ingest.readers import READERS
from tests.support.llm_server import LLM_ENV_VARS
from tests.support.speech import (
    AMI,
    DIALOGUE,
    Line,
    needs_ami,
    normalise_words,
    synthesise,
    write_mp4,
    write_wav,
)
from webinar_rag import cli
from webinar_rag.core import AudioSettings, RecordingError
from webinar_rag.models import Embedder

pytestmark = pytest.mark.slow


def reference(uri: str) -> Annotation:
    found = Annotation(uri=uri)
    for line in (AMI / "debug.development.rttm").read_text(encoding="utf-8").splitlines():
        part = line.split()
        if part[1] == uri:
            found[Segment(float(part[3]), float(part[3]) + float(part[4]))] = part[7]
    return found


@pytest.fixture(scope="module")
def dialogue(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Line]]:
    samples, lines = synthesise(DIALOGUE)
    return write_wav(tmp_path_factory.mktemp("dialogue") / "dialogue.wav", samples), lines


@needs_ami
def test_a_real_meeting_clip_is_transcribed_with_two_speakers_and_times(tmp_path: Path) -> None:
    path = AMI / "dev00.wav"
    reader = RecordingReader(AudioSettings(), tmp_path)
    transcript, reused = reader.transcript(path, path.read_bytes())
    assert not reused and transcript.n_speakers == 2
    assert len(transcript.words) >= 40
    assert "marketing expert" in " ".join(w.text for w in transcript.words).lower()
    assert all(0 <= w.start <= w.end <= 30.01 for w in transcript.words)
    hypothesis = Annotation(uri="dev00")
    for start, end, speaker in transcript.turns:
        hypothesis[Segment(start, end)] = f"S{speaker}"
    der = DiarizationErrorRate()(reference("dev00"), hypothesis, uem=Timeline([Segment(0, 30)]))
    assert der <= 0.45, der  # one speaker for everything scores about 0.5 here
    doc = reader.read(path, path.read_bytes())  # the second time, from the kept transcript
    assert doc.format == "recording" and doc.speakers == ["Speaker 1", "Speaker 2"]
    assert "transcript reused" in doc.notes[0]
    assert all(t.start_time is not None and t.end_time is not None for t in doc.turns)


def test_a_synthesised_dialogue_is_transcribed_word_for_word_by_speaker(
    dialogue: tuple[Path, list[Line]],
) -> None:
    path, lines = dialogue
    transcript, _ = RecordingReader(AudioSettings()).transcript(path, path.read_bytes())
    said = normalise_words(" ".join(w.text for w in transcript.words))
    error = jiwer.wer(normalise_words(" ".join(line.text for line in lines)), said)
    assert error <= 0.2, (error, said)
    assert transcript.n_speakers == 2
    right = 0
    for w in transcript.words:  # the reference line that holds the word's middle
        middle = (w.start + w.end) / 2
        line = min(lines, key=lambda r: max(r.start - middle, 0, middle - r.end))
        right += w.speaker == line.speaker  # Speaker 1 opens both
    assert right / len(transcript.words) >= 0.85


def test_asking_for_one_speaker_gives_one(dialogue: tuple[Path, list[Line]]) -> None:
    path, _ = dialogue
    transcript, _ = RecordingReader(AudioSettings(speakers=1)).transcript(path, path.read_bytes())
    assert transcript.n_speakers == 1 and transcript.speakers_asked == 1


def test_silence_is_a_one_line_error(tmp_path: Path) -> None:
    import numpy as np

    path = write_wav(tmp_path / "quiet.wav", np.zeros(22_050 * 4, dtype=np.float32))
    with pytest.raises(RecordingError, match="holds no speech"):
        READERS["recording"].read(path, path.read_bytes())


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    for name in [*LLM_ENV_VARS, "WEBINAR_RAG_DEBUG", "WEBINAR_RAG_STORE"]:
        monkeypatch.delenv(name, raising=False)
    yield tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_meeting_video_is_ingested_cited_by_speaker_and_time_and_renamed(
    cli_env: Path,
    capsys: pytest.CaptureFixture[str],
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import numpy as np

    corpus = cli_env / "corpus"
    corpus.mkdir()
    samples, lines = synthesise(DIALOGUE)
    write_mp4(corpus / "budget-review.mp4", samples)
    write_wav(corpus / "silence.wav", np.zeros(22_050 * 3, dtype=np.float32))
    write_mp4(corpus / "screen-share.mp4", None, seconds=2)
    (corpus / "broken.m4a").write_bytes(b"\x00\x00\x00\x18ftypM4A " + b"\x01" * 500)
    index = str(cli_env / "index")

    code, out, err = run(capsys, "ingest", str(corpus), "--index", index)
    assert code == 2 and "Traceback" not in err
    errors = err.strip().splitlines()
    assert len(errors) == 3 and all(e.startswith("webinar-rag: error: ") for e in errors)
    for bad, why in [
        ("silence.wav", "holds no speech"),
        ("screen-share.mp4", "has no audio track"),
        ("broken.m4a", "not a readable recording"),
    ]:
        assert [e for e in errors if bad in e and why in e], (bad, errors)
    assert "budget-review.mp4 (recording): 2 speaker(s)" in out

    code, out, _ = run(
        capsys, "ask", "--json", "--index", index,
        "What did Speaker 2 say about the radio campaign?",
    )  # fmt: skip
    answer = json.loads(out)
    cited = answer["citations"][0]
    assert code == 0 and not answer["refused"]
    assert cited["speaker"] == "Speaker 2" and "radio campaign" in cited["quote"]
    radio = next(line for line in lines if line.speaker == 1 and "radio" in line.text)
    assert abs(cited["start_time"] - radio.start) <= 1.0, (cited, radio)

    code, vtt, _ = run(capsys, "transcript", "budget-review", "--index", index)
    assert code == 0 and vtt.startswith("WEBVTT") and "<v Speaker 2>" in vtt
    back = cli_env / "corrected.vtt"
    back.write_text(vtt, encoding="utf-8")
    assert READERS["vtt"].read(back, back.read_bytes()).speakers == ["Speaker 1", "Speaker 2"]

    def no_transcribing(*_: object, **__: object) -> None:
        raise AssertionError("transcribed again")

    monkeypatch.setattr("ingest.audio.reader.transcribe", no_transcribing)
    code, out, err = run(
        capsys, "speakers", "rename", "budget-review", "Speaker 2", "Ana López", "--index", index
    )
    assert code == 0, err
    code, out, _ = run(capsys, "speakers", "--json", "--index", index)
    names = [s["name"] for s in json.loads(out.splitlines()[0])["speakers"]]
    assert names == ["Speaker 1", "Ana López"]
    code, out, _ = run(capsys, "ingest", str(corpus / "budget-review.mp4"), "--rebuild",
                       "--index", index)  # fmt: skip
    assert code == 0 and "transcript reused" in out
    code, out, _ = run(capsys, "ask", "--json", "--index", index,
                       "What did Ana López say about the radio campaign?")  # fmt: skip
    assert json.loads(out)["citations"][0]["speaker"] == "Ana López"
    kept = load_transcript(transcripts_beside(Path(index)), _sha(corpus / "budget-review.mp4"))
    assert kept is not None and kept.names == {"Speaker 2": "Ana López"}


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()
