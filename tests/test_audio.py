"""Recordings without a model: decoding real and synthesised audio (and the files that cannot
be decoded), the size limit, the kept transcript, who-spoke-when's arithmetic, the transcript
formats (each read back by its reader), and the commands' arguments. The models run in
tests/test_audio_models.py (slow)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from ingest.audio import RecordingReader, Transcript, load_transcript, save_transcript
from ingest.audio.decode import SAMPLING_RATE, decode
from ingest.audio.diarize import Segment, cluster, segments, smooth, window_centres
from ingest.audio.transcribe import assign, snap_to_sentences
from ingest.audio.transcript import Word
from ingest.export import cues, transcript_text
from ingest.plan import make_plan
from ingest.readers import READERS, Utterance, assemble
from retrieval.speakers import SpeakerDirectory
from tests.support.speech import AMI, DIALOGUE, needs_ami, synthesise, write_mp4, write_wav
from webinar_rag import cli
from webinar_rag.core import AudioSettings, QuerySettings, RecordingError, Source
from webinar_rag.store import EMPTY


@pytest.fixture(scope="module")
def dialogue(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, float]:
    """The synthetic two-voice dialogue as .wav and as .mp4 (video + AAC), and its length."""
    folder = tmp_path_factory.mktemp("dialogue")
    samples, _ = synthesise(DIALOGUE[:3])
    return (
        write_wav(folder / "talk.wav", samples),
        write_mp4(folder / "talk.mp4", samples),
        len(samples) / 22_050,
    )


@needs_ami
def test_a_real_meeting_clip_decodes_to_30_seconds_at_16_khz() -> None:
    samples = decode((AMI / "dev00.wav").read_bytes(), "dev00.wav", 240)
    assert samples.dtype == np.float32
    assert abs(len(samples) / SAMPLING_RATE - 30.0) < 0.01
    assert 0.01 < float(np.abs(samples).max()) <= 1.0


def test_a_video_decodes_to_the_same_sound_as_its_wav(dialogue: tuple[Path, Path, float]) -> None:
    wav, mp4, seconds = dialogue
    a = decode(wav.read_bytes(), wav.name, 240)
    b = decode(mp4.read_bytes(), mp4.name, 240)
    assert abs(len(a) / SAMPLING_RATE - seconds) < 0.05
    assert abs(len(b) / SAMPLING_RATE - seconds) < 0.15  # AAC pads a frame or two
    rms = [float(np.sqrt(np.mean(x**2))) for x in (a, b)]
    assert rms[1] == pytest.approx(rms[0], rel=0.1)


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda d: write_mp4(d / "x.mp4", None, seconds=2), "has no audio track"),
        (lambda d: _write(d / "x.mp3", b"ID3" + bytes(range(256)) * 20), "not a readable"),
        (lambda d: _write(d / "x.ogg", b""), "is empty"),
    ],
)
def test_files_that_hold_no_sound_are_one_line_errors(
    tmp_path: Path, make: Callable[[Path], Path], says: str
) -> None:
    path = make(tmp_path)
    with pytest.raises(RecordingError, match=says) as caught:
        decode(path.read_bytes(), path.name, 240)
    assert "\n" not in str(caught.value) and path.name in str(caught.value)


def test_a_truncated_recording_is_corrupt(dialogue: tuple[Path, Path, float]) -> None:
    data = dialogue[1].read_bytes()
    with pytest.raises(RecordingError, match="corrupt or truncated"):
        decode(data[: len(data) // 3], "cut.m4a", 240)


@needs_ami
def test_a_recording_over_the_duration_limit_is_refused() -> None:
    with pytest.raises(RecordingError, match=r"over the 0\.2-minute limit"):
        decode((AMI / "dev00.wav").read_bytes(), "dev00.wav", 0.2)


@needs_ami
def test_recordings_have_their_own_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.wav"
    big.write_bytes((AMI / "dev00.wav").read_bytes())  # 1.9 MB
    notes = tmp_path / "notes.txt"
    notes.write_text("Ana: hello\n" * 100_000)  # 1.1 MB
    plan = make_plan([big, notes], [], EMPTY, reusable=True, format=None, max_mb=1.0)
    assert {r.name for r in plan.results if r.status == "failed"} == {"big.wav", "notes.txt"}
    plan = make_plan(
        [big, notes], [], EMPTY, reusable=True, format=None, max_mb=1.0, max_recording_mb=5
    )
    assert list(plan.read) == ["big.wav"]
    (error,) = [r.error for r in plan.results if r.status == "failed"]
    assert error and "WEBINAR_RAG_MAX_FILE_MB" in error
    plan = make_plan([big], [], EMPTY, reusable=True, format=None, max_mb=9, max_recording_mb=1)
    assert "over the 1 MB limit for one recording" in (plan.results[0].error or "")
    assert "WEBINAR_RAG_MAX_RECORDING_MB" in (plan.results[0].error or "")


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def transcript(names: dict[str, str] | None = None, speakers: int | None = None) -> Transcript:
    words = [
        Word(0.0, 0.4, "Hello", 0),
        Word(0.4, 0.9, "there.", 0),
        Word(2.5, 2.9, "Later", 0),  # after a pause: a new cue, the same turn
        Word(3.0, 3.5, "Hi.", 1),
        Word(3.6, 4.0, "Bye.", 0),
    ]
    return Transcript(
        "ab" * 32, 4.0, AudioSettings().asr_record(), tuple(words),
        ((0.0, 2.9, 0), (3.0, 3.5, 1), (3.6, 4.0, 0)), speakers, names or {},
    )  # fmt: skip


def test_a_transcript_reads_as_cues_and_turns_with_times() -> None:
    t = transcript()
    assert [(u.speaker, u.text, u.start_time) for u in t.utterances()] == [
        ("Speaker 1", "Hello there.", 0.0),
        ("Speaker 1", "Later", 2.5),
        ("Speaker 2", "Hi.", 3.0),
        ("Speaker 1", "Bye.", 3.6),
    ]
    doc = assemble(t.utterances(), name="m.wav", title="m", format="recording")
    assert [turn.speaker for turn in doc.turns] == ["Speaker 1", "Speaker 2", "Speaker 1"]
    first = doc.turns[0]
    assert doc.text[first.start_char : first.end_char] == "Speaker 1: Hello there. Later"
    assert [m[1] for m in first.marks] == [0.0, 2.5]


def test_renaming_shows_a_name_and_keeps_the_words() -> None:
    t = transcript().renamed("Speaker 2", "Ana López")
    assert t.labels() == ["Speaker 1", "Ana López"] and t.words == transcript().words
    assert t.renamed("Ana López", "Ana").names == {"Speaker 2": "Ana"}
    assert t.renamed("Ana López", "Speaker 2").names == {}  # back to the default


def test_the_kept_transcript_round_trips_and_is_written_atomically(tmp_path: Path) -> None:
    t = transcript({"Speaker 2": "Ana López"}, speakers=2)
    path = save_transcript(tmp_path / "kept", t)
    assert load_transcript(tmp_path / "kept", t.sha256) == t
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left
    assert json.loads(path.read_text(encoding="utf-8"))["names"] == {"Speaker 2": "Ana López"}
    path.write_text("{ half a file", encoding="utf-8")
    assert load_transcript(tmp_path / "kept", t.sha256) is None  # made again, not a crash
    assert load_transcript(None, t.sha256) is None


def test_a_recording_is_transcribed_once_per_content_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = b"any bytes: the kept transcript is found by their hash"
    import hashlib

    kept = tmp_path / "kept"
    t = transcript()
    save_transcript(kept, Transcript(**{**t.__dict__, "sha256": hashlib.sha256(data).hexdigest()}))
    calls: list[object] = []

    def fake(*args: object, **kwargs: object) -> Transcript:
        calls.append(kwargs.get("words"))
        return Transcript(**{**t.__dict__, "sha256": hashlib.sha256(data).hexdigest()})

    monkeypatch.setattr("ingest.audio.reader.transcribe", fake)
    doc = RecordingReader(AudioSettings(), kept).read(Path("m.wav"), data)
    assert calls == [] and doc.speakers == ["Speaker 1", "Speaker 2"]
    assert "transcript reused" in doc.notes[0]
    RecordingReader(AudioSettings(speakers=3), kept).read(Path("m.wav"), data)
    assert calls == [[(w.start, w.end, w.text) for w in t.words]]  # the words are kept
    RecordingReader(AudioSettings(whisper_model=tmp_path), kept).read(Path("m.wav"), data)
    assert calls[-1] is None  # another model: transcribed again


def test_a_change_of_speaker_inside_a_sentence_moves_to_its_end() -> None:
    words = [(0.0, 0.5, "Good"), (0.5, 1.0, "morning."), (1.2, 1.5, "Thanks,"), (1.5, 2, "yes.")]
    assert snap_to_sentences(words, [0, 1, 1, 1]) == [0, 0, 1, 1]
    assert snap_to_sentences(words, [0, 0, 0, 1]) == [0, 0, 1, 1]
    assert snap_to_sentences(words, [0, 0, 1, 1]) == [0, 0, 1, 1]  # already at an end
    far = [(0.0, 0.5, "One."), (0.5, 1.0, "two"), (1.0, 2.0, "three"), (3.0, 3.5, "four.")]
    assert snap_to_sentences(far, [0, 0, 0, 1]) == [0, 0, 0, 1]  # no sentence end in reach


def test_words_take_the_speaker_of_the_segment_they_fall_in() -> None:
    words = [(0.0, 0.4, "a"), (1.1, 1.5, "b"), (2.9, 3.1, "c"), (9.0, 9.5, "d")]
    found, order = assign(words, [Segment(0, 1.2, 5), Segment(1.2, 4, 2)])
    assert [w.speaker for w in found] == [0, 1, 1, 1]  # "d": the nearest segment
    assert order == {5: 0, 2: 1}


def test_who_spoke_when_cuts_regions_where_the_label_changes() -> None:
    centres = window_centres([(0.0, 2.0), (3.0, 3.2)], 10.0)
    assert centres.tolist() == pytest.approx([0.2, 0.6, 1.0, 1.4, 1.8, 3.1])
    labels = np.array([0, 0, 1, 1, 1, 1])
    assert segments([(0.0, 2.0), (3.0, 3.2)], centres, labels) == [
        Segment(0.0, 0.8, 0),
        Segment(0.8, 2.0, 1),
        Segment(3.0, 3.2, 1),
    ]
    assert smooth(np.array([0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1])).tolist() == [0] * 7 + [1] * 4


def test_clustering_finds_two_voices_or_the_number_asked() -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(2, 256))
    vectors = np.concatenate([c + rng.normal(scale=0.6, size=(30, 256)) for c in centres])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    labels = cluster(vectors)
    assert labels[:30].tolist() == [0] * 30 and labels[30:].tolist() == [1] * 30
    assert len(set(cluster(vectors, speakers=3).tolist())) == 3
    assert set(cluster(vectors, speakers=1).tolist()) == {0}
    assert cluster(vectors[:3]).tolist() == [0, 0, 0]  # too little speech to tell voices


def _recording_source() -> Source:
    doc = assemble(transcript().utterances(), name="m.wav", title="m", format="recording")
    return Source("m.wav", "00", doc.text, doc.turns, title="m", format="recording")


def test_a_recording_transcript_reads_back_in_every_format(tmp_path: Path) -> None:
    source = _recording_source()
    expected = [(c.speaker, c.text, c.start) for c in cues(source)]
    assert expected[2] == ("Speaker 2", "Hi.", 3.0)
    vtt = transcript_text(source, "vtt")
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:00.900\n<v Speaker 1>Hello there.")
    for format, suffix, reader in [
        ("vtt", ".vtt", "vtt"),
        ("srt", ".srt", "srt"),
        ("json", ".json", "json"),
        ("txt", ".txt", "log"),
    ]:
        path = tmp_path / f"back{suffix}"
        path.write_text(transcript_text(source, format), encoding="utf-8")
        back = READERS[reader].read(path, path.read_bytes())
        assert [t.speaker for t in back.turns] == ["Speaker 1", "Speaker 2", "Speaker 1"]
        assert back.turns[1].start_time == pytest.approx(3.0, abs=1.0 if reader == "log" else 0)


def test_a_transcript_without_times_cannot_be_captions() -> None:
    doc = assemble([Utterance("Ana", "Words <b>&</b> more.")], name="a.md", title="a", format="log")
    source = Source("a.md", "00", doc.text, doc.turns)
    with pytest.raises(Exception, match="has no times"):
        transcript_text(source, "vtt")
    assert transcript_text(source, "txt") == "Ana: Words <b>&</b> more.\n"
    timed = assemble([Utterance("Ana", "a <b>", 1.0)], name="b.vtt", title="b", format="vtt")
    text = transcript_text(Source("b.vtt", "0", timed.text, timed.turns), "vtt")
    assert "<v Ana>a &lt;b&gt;" in text and "00:00:01.000 --> 00:00:03.000" in text


def test_a_question_naming_speaker_2_asks_speaker_2() -> None:
    doc = assemble(transcript().utterances(), name="m.wav", title="m", format="recording")
    people = SpeakerDirectory(list(doc.turns), {"m.wav": doc.text}, QuerySettings())
    assert people.subjects("What did Speaker 2 say about the budget?") == ["Speaker 2"]
    assert people.subjects("what did speaker 1 say?") == ["Speaker 1"]
    assert people.resolve("Speaker 2") == "Speaker 2"


def test_the_commands_take_their_arguments() -> None:
    parser = cli.parser()
    assert parser.parse_args(["speakers", "--json"]).json is True
    args = parser.parse_args(["speakers", "rename", "talk", "Speaker 2", "Ana López"])
    assert (args.document, args.old, args.new) == ("talk", "Speaker 2", "Ana López")
    assert parser.parse_args(["transcript", "talk", "--format", "srt"]).format == "srt"
    assert parser.parse_args(["ingest", "x.mp4", "--speakers", "3"]).speakers == 3
    with pytest.raises(SystemExit):
        parser.parse_args(["ingest", "x.mp4", "--speakers", "0"])
    from ingest import TRANSCRIPT_FORMATS
    from webinar_rag.cli import recordings

    assert recordings.FORMATS == TRANSCRIPT_FORMATS


def test_recording_settings_come_from_the_environment_or_fail_in_one_line() -> None:
    from webinar_rag.core import ConfigError, IngestSettings

    audio = IngestSettings.from_env(
        {"WEBINAR_RAG_WHISPER_MODEL": "models/small.en", "WEBINAR_RAG_MAX_RECORDING_MB": "50"}
    ).audio
    assert audio.whisper_model == Path("models/small.en") and audio.max_recording_mb == 50
    assert IngestSettings.from_env({}).audio == AudioSettings()
    for name, value in [("WEBINAR_RAG_MAX_RECORDING_MIN", "-1"), ("WEBINAR_RAG_ASR_THREADS", "x")]:
        with pytest.raises(ConfigError, match=name):
            IngestSettings.from_env({name: value})


def test_a_long_recording_estimates_its_speakers_on_a_sample(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ingest.audio import diarize

    rng = np.random.default_rng(1)
    centres = rng.normal(size=(3, 256))
    vectors = np.concatenate([c + rng.normal(scale=0.6, size=(200, 256)) for c in centres])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    monkeypatch.setattr(diarize, "MAX_ESTIMATE", 90)  # the n x n matrix stays small
    assert diarize.estimate_speakers(vectors) == 3
    assert len(set(cluster(vectors).tolist())) == 3  # every window still gets a speaker
