"""Every format into the same speaker-turn model (one long file on purpose: the registry, the
seven formats, the property and the real data sets share one set of invariants, so they are
read together). The files are written here, ugly cases included (BOM, CRLF, cp1252,
overlapping cues, styling tags, page breaks, broken files)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eval.qmsum.data import has_words
from ingest import parse_transcript
from ingest.readers import NO_SPEAKERS, READERS, Document, read_document, reader_for
from ingest.readers.segments import clean_qmsum, qmsum_marks
from tests.support.seed import CORPUS_FILE, ROOT
from tests.support.transcript_files import (
    DATA,
    Cue,
    check_document,
    make_docx,
    make_image_pdf,
    make_pdf,
    merged,
    render,
    spoken,
)
from webinar_rag.core import TranscriptFormatError


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def read(tmp_path: Path, name: str, content: str | bytes, format: str | None = None) -> Document:
    doc = read_document(write(tmp_path, name, content), format)
    check_document(doc)
    return doc


# --- the registry ---------------------------------------------------------------------------


def test_the_readers_and_their_names() -> None:
    assert list(READERS) == [
        "report", "log", "vtt", "srt", "sbv", "json", "docx", "pdf", "recording"
    ]  # fmt: skip
    assert all(r.name == name for name, r in READERS.items())


@pytest.mark.parametrize(
    ("name", "content", "format"),
    [
        ("a.md", "**Anna Berg, Director, X**\n\nHello.\n", "report"),
        ("a.txt", "Just some notes.\nNothing else.\n", "report"),
        ("a.txt", "Anna: hi\nBen: hello\nAnna: bye\n", "log"),
        ("a.md", "(PERSON1) hi\n(PERSON2) hello\n", "log"),
        ("a.log", "Just words.\n", "log"),
        ("a.vtt", "WEBVTT\n", "vtt"),
        ("a.SRT", "1\n", "srt"),
        ("a.jsonl", "{}", "json"),
    ],
)
def test_reader_by_extension_then_content(name: str, content: str, format: str) -> None:
    assert reader_for(Path(name), content.encode()).name == format


def test_explicit_format_wins(tmp_path: Path) -> None:
    doc = read(tmp_path, "chat.dat", "Anna: hi\nBen: hello\n", format="log")
    assert doc.format == "log" and doc.speakers == ["Anna", "Ben"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.rtf", b"{\\rtf1 hi}", r"notes\.rtf: no reader for \.rtf.*\.vtt.*--format NAME"),
        ("empty.vtt", b"  \n", r"empty\.vtt is empty"),
        ("bin.srt", b"\x00\x01\x02", r"bin\.srt is a binary file"),
        ("bad.vtt", b"00:00:01.000 --> 00:00:02.000\nhi\n", r"bad\.vtt is not valid WebVTT"),
        ("bad.srt", b"1\nnot a time\nhi\n", r"bad\.srt is not valid SubRip"),
        ("bad.json", b'{"segments": [1', r"bad\.json is not a transcript JSON \(invalid JSON"),
        ("shape.json", b'{"title": "x"}', r"shape\.json is not a transcript JSON.*Expected"),
        ("list.json", b'[{"who": "A"}]', r"list\.json .*entry 0 has no text"),
        ("time.json", b'[{"text": "a", "start": "0:01"}]', r"time\.json .*not seconds"),
        ("corrupt.docx", bytes(range(256)) * 4, r"corrupt\.docx is not a readable Word"),
        ("zip.docx", b"PK\x03\x04", r"zip\.docx is not a readable Word"),
        ("scan.pdf", make_image_pdf(), r"scan\.pdf has no text layer \(a scan\?\); OCR"),
        ("locked.pdf", make_pdf([("Hi.", False)], password="u"), r"locked\.pdf is encrypted"),
        ("junk.pdf", b"%PDF-1.4 junk", r"junk\.pdf is not a readable PDF"),
    ],
)
def test_bad_input_is_one_actionable_error(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    with pytest.raises(TranscriptFormatError, match=message) as caught:
        read_document(write(tmp_path, name, content))
    assert "\n" not in str(caught.value)


def test_unknown_format_name(tmp_path: Path) -> None:
    with pytest.raises(TranscriptFormatError, match=r"Unknown format 'word'.*report, log"):
        read_document(write(tmp_path, "a.txt", "x"), "word")


def test_cp1252_text_is_read_and_says_so(tmp_path: Path) -> None:
    doc = read(tmp_path, "a.txt", "Zoë: café crème\nJosé: señor\n".encode("cp1252"))
    assert doc.encoding == "cp1252" and doc.speakers == ["Zoë", "José"]
    assert "café crème" in doc.text


# --- report ---------------------------------------------------------------------------------


def test_report_reader_gives_parse_transcripts_turns_over_the_files_text() -> None:
    doc = read_document(CORPUS_FILE)
    text = CORPUS_FILE.read_text("utf-8")
    assert doc.format == "report" and doc.text == text and doc.encoding == "utf-8"
    assert list(doc.turns) == parse_transcript(text, CORPUS_FILE.name)
    assert doc.title.startswith("EU-Japan Digital Partnership Webinar: How to support")
    assert doc.notes == ()
    check_document(doc)


@pytest.mark.parametrize(
    ("content", "title"),
    [("Intro\n\n**Anna Berg:** Hi.\n", "Anna Berg"), ("plain words\n", "notes")],
)
def test_report_title_falls_back_to_bold_line_then_stem(
    tmp_path: Path, content: str, title: str
) -> None:
    assert read(tmp_path, "notes.md", content).title == title


def test_report_without_speakers_is_unattributed_with_a_note(tmp_path: Path) -> None:
    doc = read(tmp_path, "minutes.txt", "\ufeffNote: room 4.\r\nAgenda: budget.\r\n\r\nWe met.\r\n")
    assert doc.format == "report" and doc.encoding == "utf-8 with BOM"
    assert doc.speakers == [] and doc.notes == (NO_SPEAKERS,)
    assert "\r" not in doc.text


# --- log ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected", "start_times"),
    [
        (
            "Anna Berg: hello\nthere\nBen: hi\n\nAnna Berg: bye\n",
            [("Anna Berg", "hello there"), ("Ben", "hi"), ("Anna Berg", "bye")],
            [None, None, None],
        ),
        ("ANNA: a\nBEN: b\nBEN: c\n", [("ANNA", "a"), ("BEN", "b c")], [None, None]),
        ("[Anna] a\n[Ben] b\n[Anna] c\n", [("Anna", "a"), ("Ben", "b"), ("Anna", "c")], [None] * 3),
        (
            "Preamble line.\n(PERSON4) a\n() b\n()\n(PERSON1) c [PERSON4] d\n(PERSON4) e\n",
            [
                (None, "Preamble line."),
                ("PERSON4", "a b"),
                ("PERSON1", "c [PERSON4] d"),
                ("PERSON4", "e"),
            ],
            [None] * 4,
        ),
        (
            "Anna Berg  0:05\nHello there,\nwrapped.\n\nBen Li  1:02:03\nThanks.\n",
            [("Anna Berg", "Hello there, wrapped."), ("Ben Li", "Thanks.")],
            [5.0, 3723.0],
        ),
        (
            "[00:00:05] Anna: a\n[00:00:09] Ben: b\n[00:01:00] Ben: c\n",
            [("Anna", "a"), ("Ben", "b c")],
            [5.0, 9.0],
        ),
        ("00:00:05 Anna: a\n00:00:09 Ben: b\n", [("Anna", "a"), ("Ben", "b")], [5.0, 9.0]),
    ],
)
def test_log_styles(
    tmp_path: Path,
    content: str,
    expected: list[tuple[str | None, str]],
    start_times: list[float | None],
) -> None:
    doc = read(tmp_path, "chat.log", content)
    assert spoken(doc) == expected
    assert [t.start_time for t in doc.turns] == start_times
    assert doc.text == content


def test_log_marks_keep_each_lines_time(tmp_path: Path) -> None:
    doc = read(tmp_path, "chat.txt", "[00:00:05] Anna: a\n[00:00:09] Ben: b\n[00:01:00] Ben: c\n")
    ben = doc.turns[1]
    assert ben.position(doc.text.index("c\n"))[1] == 60.0
    assert ben.position(doc.text.index("b\n"))[1] == 9.0


@pytest.mark.parametrize(
    "content",
    [
        "Note: the room changed.\nWe talked about the budget.\nAgenda: next week.\nMore.\n",
        "Summary: fine.\nSummary: still fine.\nA long paragraph of prose here.\nAnd more.\n",
        "Anna: said one thing once.\nThen the report goes on in prose.\nAnd on.\n",
        "Dear all,\nTime: 10:00\nLocation: Room 4\nSubject: budget\nBest, Anna\n",
    ],
)
def test_prose_is_not_a_log(tmp_path: Path, content: str) -> None:
    assert reader_for(Path("a.txt"), content.encode()).name == "report"
    doc = read(tmp_path, "a.txt", content, format="log")
    assert doc.speakers == [] and doc.notes == (NO_SPEAKERS,)


def test_a_transcript_without_prefixes_that_names_people_at_line_starts_is_not_a_log(
    tmp_path: Path,
) -> None:
    """ELITR's dev meeting 006 has no `(PERSONn)` prefix at all, only names in the words, a
    few at the start of a line (`[PERSON5] will...`): that is unattributed text, not a log in
    the bracketed style, so its turns must not be given to the people it mentions."""
    lines = ["<another_language/>", "So it would be great if you could explain the status."]
    lines += [f"Line {i} of the talk, with no one named." for i in range(30)]
    lines += ["[PERSON5] will lead the discussion with [PERSON7] on the forms.", "Yes."]
    lines += [f"More words {i}." for i in range(10)]
    lines += ["[PERSON8] sent me some files, I think.", "Ok."]
    content = "\n".join(lines) + "\n"
    assert reader_for(Path("m.txt"), content.encode()).name == "report"
    doc = read(tmp_path, "m.txt", content, format="log")
    assert doc.speakers == [] and doc.notes == (NO_SPEAKERS,)
    assert all(t.speaker is None for t in doc.turns) and doc.text == content


def test_a_heading_word_speaks_in_a_clear_log(tmp_path: Path) -> None:
    doc = read(tmp_path, "a.txt", "Chair: open\nAnna: a\nNote: n1\nBen: b\nNote: n2\nAnna: c\n")
    assert doc.speakers == ["Chair", "Anna", "Note", "Ben"]


# --- captions -------------------------------------------------------------------------------

VTT = (
    "\ufeffWEBVTT\r\n\r\nNOTE exported\r\n\r\n"
    "1\r\n00:00:01.000 --> 00:00:04.000\r\n<v.loud Anna Berg>Hello <b>all</b>,\r\n"
    "<00:00:02.000><c.yellow>welcome</c> &amp; thanks</v>\r\n\r\n"
    "00:00:04.000 --> 00:00:06.500 align:start\r\n<v Anna Berg>Let us start.\r\n\r\n"
    "00:00:07.000 --> 00:00:08.000\r\n(applause)\r\n\r\n"
    "00:00:08.000 --> 00:00:09.000\r\nBen Li: Thank you.\r\n"
)


def test_vtt_voices_prefixes_tags_and_unattributed_cues(tmp_path: Path) -> None:
    doc = read(tmp_path, "talk.vtt", VTT.encode("utf-8"))
    assert doc.encoding == "utf-8 with BOM"
    assert spoken(doc) == [
        ("Anna Berg", "Hello all, welcome & thanks Let us start."),
        (None, "(applause)"),
        ("Ben Li", "Thank you."),
    ]
    anna = doc.turns[0]
    assert (anna.start_time, anna.end_time) == (1.0, 6.5)
    assert anna.position(doc.text.index("Let us"))[1:3] == (4.0, 6.5)
    assert doc.turns[2].start_time == 8.0


SRT = (
    "\ufeff1\r\n00:00:01,000 --> 00:00:03,000\r\nAnna: Hello\r\nand welcome.\r\n\r\n"
    "3\r\n00:00:05,000 --> 00:00:06,000\r\n[Ben] Late cue listed first.\r\n\r\n"
    "2\r\n00:00:02,500 --> 00:00:04,000\r\n- Ben: <i>Overlapping</i> {\\an8}answer.\r\n"
    "- Anna: Two voices in one cue.\r\n\r\n"
    "4\r\n00:00:07,000 --> 00:00:08,000\r\nNo speaker here.\r\n"
)


def test_srt_prefixes_overlap_multiline_and_crlf(tmp_path: Path) -> None:
    doc = read(tmp_path, "talk.srt", SRT.encode("utf-8"))
    assert spoken(doc) == [
        ("Anna", "Hello and welcome."),
        ("Ben", "Overlapping answer."),
        ("Anna", "Two voices in one cue."),
        ("Ben", "Late cue listed first."),
        (None, "No speaker here."),
    ]
    assert [t.start_time for t in doc.turns] == [1.0, 2.5, 2.5, 5.0, 7.0]


# --- JSON -----------------------------------------------------------------------------------


def test_whisperx_segments_with_and_without_speaker(tmp_path: Path) -> None:
    segments = [
        {"start": 0.0, "end": 1.5, "text": " Hello.", "speaker": "SPEAKER_00"},
        {"start": 1.5, "end": 2.0, "text": " Again.", "speaker": "SPEAKER_00"},
        {"start": 2.0, "end": 3.0, "text": " Who said this?"},
        {"start": 3.0, "end": 4.0, "text": "   ", "speaker": "SPEAKER_01"},
    ]
    doc = read(tmp_path, "asr.json", json.dumps({"segments": segments, "language": "en"}))
    assert spoken(doc) == [("SPEAKER_00", "Hello. Again."), (None, "Who said this?")]
    assert (doc.turns[0].start_time, doc.turns[0].end_time) == (0.0, 2.0)


def test_json_list_and_jsonl_with_name_and_content_keys(tmp_path: Path) -> None:
    turns = [{"name": "Anna", "content": "a"}, {"speaker": 2, "text": "b", "start": 3}]
    listed = read(tmp_path, "t.json", json.dumps(turns))
    lines = read(tmp_path, "t.jsonl", "\n".join(json.dumps(t) for t in turns) + "\n")
    assert spoken(listed) == spoken(lines) == [("Anna", "a"), ("2", "b")]


def test_qmsum_shape_is_cleaned_as_the_eval_cleans_it(tmp_path: Path) -> None:
    meeting = {
        "topic_list": [],
        "meeting_transcripts": [
            {"speaker": "Marketing", "content": "it 's a {vocalsound} remote , right ?"},
            {"speaker": "Marketing", "content": "{disfmarker} {gap}"},
            {"speaker": "Marketing", "content": "yeah ."},
            {"speaker": "Project Manager", "content": "we do n't know ."},
        ],
    }
    doc = read(tmp_path, "ES2000a.json", json.dumps(meeting))
    assert spoken(doc) == [
        ("Marketing", "it's a remote, right? yeah."),
        ("Project Manager", "we don't know."),
    ]
    assert len(qmsum_marks(doc)) == 3


# --- Word and PDF ---------------------------------------------------------------------------


def test_docx_teams_transcript_and_bold_speaker_lines(tmp_path: Path) -> None:
    data = make_docx(
        [
            ("Weekly sync", "Title", False),
            ("Anna Berg   0:03", None, False),
            ("Hello everyone.", None, False),
            ("Second paragraph.", None, False),
            ("Ben Li 1:02:03", None, False),
            ("Thanks.", None, False),
            ("Carla Ruiz, Director, Cabinet Office", None, True),
            ("I speak in a report.", None, False),
            ("Moderator:|  what next?", None, False),
            ("Summary", "Heading 1", False),
        ],
        title="Sync of 3 March",
    )
    doc = read(tmp_path, "sync.docx", data)
    assert doc.title == "Sync of 3 March"
    assert [(t.speaker, t.affiliation, t.start_time) for t in doc.turns] == [
        (None, None, None),
        ("Anna Berg", None, 3.0),
        ("Ben Li", None, 3723.0),
        ("Carla Ruiz", "Director, Cabinet Office", None),
        ("Moderator", None, None),
        (None, None, None),
    ]
    anna = doc.turns[1]
    assert [doc.text[s:e] for s, e in anna.paragraphs] == ["Hello everyone.", "Second paragraph."]
    assert doc.text[slice(*anna.heading or (0, 0))] == "Anna Berg"


def test_docx_title_falls_back_to_first_heading_then_stem(tmp_path: Path) -> None:
    with_heading = make_docx([("Intro", "Heading 1", False), ("Words.", None, False)])
    assert read(tmp_path, "a.docx", with_heading).title == "Intro"
    plain = read(tmp_path, "b.docx", make_docx([("Words.", None, False)]))
    assert plain.title == "b" and plain.notes == (NO_SPEAKERS,)


LONG = (
    "The EU has three pillars in its AI strategy, and the regu-\nlation of general purpose "
    "models is one of them. " * 3
)


def test_pdf_bold_speakers_pages_hyphens_and_running_furniture(tmp_path: Path) -> None:
    data = make_pdf(
        [
            ("Webinar on AI governance", True),
            ("Held on Zoom, 19 March.", False),
            ("Anna Berg, Director, Cabinet Office", True),
            (LONG, False),
            ("Ben Li, Senior Adviser for International Aspects of AI, European Commission", True),
            ("Ben speaks about cooperation.", False),
        ],
        title="AI Webinar",
        break_before=4,
    )
    doc = read(tmp_path, "report.pdf", data)
    assert doc.title == "AI Webinar" and doc.format == "pdf"
    assert [(t.speaker, t.page) for t in doc.turns] == [
        (None, 1),
        (None, 1),
        ("Anna Berg", 1),
        ("Ben Li", 1),
    ]
    ben = doc.turns[3]
    assert ben.affiliation == "Senior Adviser for International Aspects of AI, European Commission"
    words = doc.text.index("Ben speaks")
    assert ben.position(words)[3] == 2 and ben.position(ben.start_char)[3] == 1
    assert "regulation of general purpose" in doc.text and "regu-" not in doc.text
    assert "EU-Japan Webinar Report" not in doc.text  # the running header
    assert "\n\n2\n\n" not in doc.text and not doc.text.rstrip().endswith("2")


SENTENCE = (
    "This sentence runs across the page break, and it goes on for quite a while longer before "
    "it ends on the next page."
)


def test_pdf_sentence_broken_by_the_page_joins(tmp_path: Path) -> None:
    data = make_pdf(
        [
            ("Anna Berg, Director, Cabinet Office", True),
            ("Filler words here. " * 40, False),
            (SENTENCE, False),
        ],
        break_before=2,
    )
    doc = read(tmp_path, "broken.pdf", data)
    assert SENTENCE in doc.text
    anna = doc.turns[-1]
    assert anna.speaker == "Anna Berg"
    assert anna.position(doc.text.index("ends on the next"))[3] == 2
    assert anna.position(doc.text.index(SENTENCE))[3] == 1


def test_pdf_without_title_metadata_uses_the_first_line(tmp_path: Path) -> None:
    doc = read(
        tmp_path, "untitled.pdf", make_pdf([("Minutes of the call", False)], furniture=False)
    )
    assert doc.title == "Minutes of the call" and doc.notes == (NO_SPEAKERS,)


# --- properties -----------------------------------------------------------------------------

NAMES = ["Anna Berg", "Ben Li", "Chloé Dubois", "PERSON3", "Moderator"]
words = st.lists(st.text("abcdefghijklmnopqrstuvwxyzéü", min_size=1, max_size=8), min_size=1)


@st.composite
def cue_lists(draw: st.DrawFn) -> list[Cue]:
    n = draw(st.integers(2, 8))
    speakers = draw(st.lists(st.sampled_from(NAMES), min_size=n, max_size=n))
    cues, t = [], 0.0
    for speaker in speakers:
        t += draw(st.integers(1, 5000)) / 1000 + 1  # whole ms; log keeps whole seconds
        length = draw(st.integers(1, 9000)) / 1000
        cues.append(Cue(speaker, " ".join(draw(words)), float(round(t)), round(t) + length))
    return cues


@pytest.mark.parametrize("format", ["vtt", "srt", "json", "jsonl", "log"])
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cues=cue_lists())
def test_rendered_turns_read_back(tmp_path: Path, format: str, cues: list[Cue]) -> None:
    doc = read(tmp_path, f"t.{format}", render(cues, format))
    expected = merged(cues)
    assert spoken(doc) == [(s, text) for s, text, _, _ in expected]
    assert [t.start_time for t in doc.turns] == pytest.approx([s for _, _, s, _ in expected])
    if format != "log":  # a log line has a start time only
        assert [t.end_time for t in doc.turns] == pytest.approx([e for _, _, _, e in expected])


# --- real data ------------------------------------------------------------------------------

ELITR_ZIP = DATA / "elitr-bench" / "elitr-bench-dev.zip"
QMSUM_VAL = DATA / "qmsum" / "val"
# Speakers per dev meeting, from the data set's README table.
ELITR_SPEAKERS = {1: 5, 2: 6, 3: 5, 4: 5, 5: 7, 6: 0, 7: 4, 8: 3, 9: 3, 10: 12}


@pytest.mark.skipif(not ELITR_ZIP.exists(), reason=f"ELITR-Bench not at {ELITR_ZIP}")
@pytest.mark.parametrize("meeting", sorted(ELITR_SPEAKERS))
def test_elitr_dev_transcripts_read_as_logs(meeting: int) -> None:
    """Read in memory from the zip: the transcripts are never written out."""
    name = f"meeting_en_dev_{meeting:03d}.txt"
    with zipfile.ZipFile(ELITR_ZIP) as z:
        data = z.read(f"dev/transcripts/{name}", pwd=b"utter")
    doc = READERS["log"].read(Path(name), data)
    check_document(doc)
    assert len(doc.speakers) == ELITR_SPEAKERS[meeting]
    assert all(s.startswith("PERSON") for s in doc.speakers)
    if ELITR_SPEAKERS[meeting] == 0:
        assert doc.notes == (NO_SPEAKERS,) and all(t.speaker is None for t in doc.turns)
    assert reader_for(Path(name), data).name == ("log" if doc.speakers else "report")


@pytest.mark.skipif(not QMSUM_VAL.exists(), reason=f"QMSum val not at {QMSUM_VAL}")
def test_qmsum_val_reads_every_turn_with_words() -> None:
    files = sorted(QMSUM_VAL.glob("*.json"))
    assert len(files) == 35
    for path in files:
        doc = read_document(path)
        check_document(doc)
        turns = json.loads(path.read_text("utf-8"))["meeting_transcripts"]
        with_words = [t for t in turns if has_words(t["content"])]
        assert [bool(clean_qmsum(t["content"])) for t in turns] == [
            has_words(t["content"]) for t in turns
        ]
        assert len(qmsum_marks(doc)) == len(with_words), path.name
        assert set(doc.speakers) == {t["speaker"] for t in with_words}


def test_shared_data_is_found_beside_the_checkout() -> None:
    assert ROOT.parent / "shared" / "data" == DATA
