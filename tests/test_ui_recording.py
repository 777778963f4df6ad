"""A cited recording plays in the passage panel: which file is linked (only one inside the
corpus folder), and the player's HTML. Fast: no model, no server; the page itself is tested in
tests/test_ui_browser.py."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from pathlib import Path

from ingest import parse_transcript
from webinar_rag.core import Citation, Source
from webinar_rag.ui import render

TEXT = "## **Ann Example, Org**\n\nWe start the radio campaign in May. Then the rest.\n"
QUOTE = "We start the radio campaign in May."


def source(name: str, path: Path | None, format: str = "recording") -> Source:
    turns = tuple(parse_transcript(TEXT, name))
    return Source(name, "sha", TEXT, turns, format=format, path=str(path) if path else None)


def citation(name: str, start_time: float | None = 12.3) -> Citation:
    start = TEXT.index(QUOTE)
    return Citation(
        1, "Ann Example", None, QUOTE, "id", name, start, start + len(QUOTE),
        start_time=start_time, end_time=15.0,
    )  # fmt: skip


def test_a_recording_in_the_corpus_is_linked_and_nothing_else(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "talk.mp4").write_bytes(b"\x00")
    (tmp_path / "secret.wav").write_bytes(b"\x00")
    (corpus / "notes.txt").write_text(TEXT, encoding="utf-8")
    found = render.recording_file(source("talk.mp4", corpus / "talk.mp4"), corpus)
    assert found == (corpus / "talk.mp4").resolve()
    # read from elsewhere, but a copy of that name is in the corpus: the copy
    assert render.recording_file(source("talk.mp4", tmp_path / "x.mp4"), corpus) == found
    assert render.recording_file(source("notes.txt", corpus / "notes.txt", "vtt"), corpus) is None
    outside = corpus / ".." / "secret.wav"  # a path that climbs out of the corpus
    assert render.recording_file(source("secret.wav", outside), corpus) is None
    assert render.recording_file(source("../secret.wav", None), corpus) is None
    assert render.recording_file(source("gone.wav", corpus / "gone.wav"), corpus) is None


def test_the_passage_of_a_recording_plays_it_from_the_quote(tmp_path: Path) -> None:
    path = tmp_path / 'a "b" <c> & d.wav'
    rendered = render.passage_html(source(path.name, path), citation(path.name), path)
    players = re.findall(r'<audio class="wr-audio" controls preload="metadata" src="([^"]*)">',
                         rendered)  # fmt: skip
    assert len(players) == 1
    src = html.unescape(players[0])
    assert src.startswith("/gradio_api/file=/") and src.endswith("#t=12.30")
    assert "%22b%22%20%3Cc%3E%20%26%20d.wav" in src  # quoted: never breaks out of the tag
    assert "<c>" not in rendered
    assert rendered.index("<audio") < rendered.index('<div class="wr-ctx-body">')
    at_start = render.passage_html(source(path.name, path), citation(path.name, None), path)
    assert "#t=" not in at_start and "<audio" in at_start


def test_other_passages_render_exactly_as_before(tmp_path: Path) -> None:
    vtt = source("notes.vtt", tmp_path / "notes.vtt", "vtt")
    c = citation("notes.vtt")
    assert render.passage_html(vtt, c) == render.passage_html(vtt, c, None)
    assert "<audio" not in render.passage_html(vtt, c)
    recording = source("talk.mp4", None)  # its file is not in the corpus: no player
    assert "<audio" not in render.passage_html(recording, replace(c, source="talk.mp4"))
