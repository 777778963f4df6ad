"""Captions as YouTube writes them: automatic captions that roll (each cue repeats the line
before, word times inside the new line, a 10 ms cue between), the studio's SubViewer export
(`.sbv`), and titles the file gives itself. The files are written here as yt-dlp and YouTube
Studio write them."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.chunking import chunk_turns
from ingest.readers import read_document
from tests.support.transcript_files import check_document
from webinar_rag.core import ChunkerSettings, TranscriptFormatError


# yt-dlp --write-auto-subs: the header YouTube gives, rolling cues with word times.
def words(first: str, *timed: tuple[str, str]) -> str:
    """A line as YouTube times it: the first word at the cue's start, each next one tagged."""
    return first + "".join(f"<{at}><c> {word}</c>" for at, word in timed)


def cue(start: str, end: str, *lines: str) -> str:
    return f"{start} --> {end} align:start position:0%\n" + "\n".join(lines) + "\n"


# The header YouTube gives; each finished line is shown again, with a line of one space, in a
# 10 ms cue, then above the next line's words.
ROLLING = "WEBVTT\nKind: captions\nLanguage: en\n\n" + "\n".join(
    [
        cue(
            "00:05:01.880",
            "00:05:04.189",
            " ",
            words(
                "so",
                ("00:05:02.199", "the"),
                ("00:05:02.400", "first"),
                ("00:05:02.680", "thing"),
                ("00:05:03.120", "that"),
            ),
        ),
        cue("00:05:04.189", "00:05:04.199", "so the first thing that", " "),
        cue(
            "00:05:04.199",
            "00:05:06.950",
            "so the first thing that",
            words(
                "will",
                ("00:05:04.560", "happen"),
                ("00:05:04.840", "is"),
                ("00:05:05.120", "I'm"),
                ("00:05:05.639", "telling"),
            ),
        ),
        cue("00:05:06.950", "00:05:06.960", "will happen is I'm telling", " "),
        cue(
            "00:05:06.960",
            "00:05:09.670",
            "will happen is I'm telling",
            words(
                "you",
                ("00:05:07.280", "about"),
                ("00:05:07.560", "the"),
                ("00:05:07.960", "budget"),
            ),
        ),
        cue("00:05:09.670", "00:05:09.680", "you about the budget", " "),
        cue(
            "00:05:09.680",
            "00:05:12.000",
            "you about the budget",
            words("&gt;&gt; thanks", ("00:05:10.200", "so"), ("00:05:10.500", "much")),
        ),
    ]
)
LINES = [
    ("so the first thing that", 301.88, 304.189),
    ("will happen is I'm telling", 304.199, 306.95),
    ("you about the budget", 306.96, 309.67),
    (">> thanks so much", 309.68, 312.0),
]


def read(tmp_path: Path, name: str, text: str) -> object:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_document(path)


def test_rolling_auto_captions_keep_each_line_once_at_its_own_time(tmp_path: Path) -> None:
    doc = read(tmp_path, "webinar.en.vtt", ROLLING)
    check_document(doc)
    for words, _, _ in LINES:
        assert doc.text.count(words) == 1, doc.text
    turns = [(doc.text[t.start_char : t.end_char], t.start_time, t.end_time) for t in doc.turns]
    assert turns == [(w, pytest.approx(s), pytest.approx(e)) for w, s, e in LINES]
    chunks = chunk_turns(doc.turns, doc.text, ChunkerSettings())
    assert sum("telling" in c.text for c in chunks) == 1  # one passage, not two


def test_captions_without_word_times_keep_a_line_said_twice(tmp_path: Path) -> None:
    """Only rolling captions repeat lines by design; elsewhere a repeat was said again."""
    text = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAna: Yes.\n\n"
        "00:00:02.000 --> 00:00:03.000\nAna: Yes.\n"
    )
    doc = read(tmp_path, "standup.vtt", text)
    assert doc.text.count("Yes.") == 2


@pytest.mark.parametrize(
    ("header", "title"),
    [
        ("WEBVTT - Quarterly board meeting\n\n", "Quarterly board meeting"),
        ("WEBVTT\nKind: captions\nTitle: Town hall, March\n\n", "Town hall, March"),
        ("WEBVTT\n\nNOTE Title: Budget review 2026\n\n", "Budget review 2026"),
        ("WEBVTT\nKind: captions\nLanguage: en\n\n", "board-meeting"),  # none: the file's stem
    ],
)
def test_webvtt_titles_come_from_the_file(tmp_path: Path, header: str, title: str) -> None:
    doc = read(tmp_path, "board-meeting.vtt", header + "00:00:01.000 --> 00:00:02.000\nHello.\n")
    assert doc.title == title


SBV = """0:00:00.599,0:00:04.160
>> ALICE: Hi, my name is Alice Miller and this is John Brown

0:00:04.160,0:00:06.770
>> JOHN: and we're the owners of Miller Bakery.

0:00:06.770,0:00:10.880
Today we'll be teaching you how to make
our famous chocolate chip cookies!
"""


def test_subviewer_captions_are_read(tmp_path: Path) -> None:
    doc = read(tmp_path, "bakery.sbv", SBV)
    check_document(doc)
    assert doc.format == "sbv"
    assert [(t.speaker, t.start_time) for t in doc.turns][:2] == [
        ("ALICE", pytest.approx(0.599)),
        ("JOHN", pytest.approx(4.16)),
    ]
    assert "our famous chocolate chip cookies!" in doc.text


def test_malformed_subviewer_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TranscriptFormatError, match=r"cue 2 starts with 'oops'"):
        read(tmp_path, "bad.sbv", "0:00:00.599,0:00:04.160\nHi\n\noops\nmore\n")
