"""Chunking properties: exact offsets, sentences inside chunks, no chunk crosses two turns.

Hypothesis writes Markdown reports the way meeting reports are written (bold speaker headings at
any level, wrapped lines, page breaks, bullets, italic notes, disclaimers) and remembers where
every sentence went and who said it, so the parse can be checked against the truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import chunk_turns, parse_transcript
from tests.support.seed import SOURCE, read_corpus
from webinar_rag.core import (
    Chunk,
    ChunkerSettings,
    TranscriptFormatError,
    Turn,
    normalise,
    split_sentences,
)

# Plain lower-case words: no abbreviations, no single letters, nothing that reads as a request.
WORDS = [
    "data", "model", "policy", "risk", "trust", "market", "law", "bill", "sector", "cloud",
    "chips", "safety", "rules", "partner", "research", "budget", "standard", "office", "people",
    "growth", "talent", "network", "review", "report", "sandbox", "factory", "labs", "privacy",
    "energy", "health", "japan", "europe", "industry", "innovation",
]  # fmt: skip
# Tokens with inner full stops that must not end a sentence.
TRICKY = ("Dr. Berg", "U.S. Congress", "e.g. data", "version 3.5", "the EU's plan", "(in 2024)")
FIRST = ("Anna", "Björn", "Élodie", "Juha", "Makiko", "Marco", "Mary-Jane", "D'Arcy", "Sean")
LAST = ("Berg", "Heikkilä", "Tsuda", "O'Neil", "García", "Nakamura", "Smith-Jones", "von der Leyen")
HONORIFIC = ("", "", "Dr. ", "Prof. ", "Ms. ", "Mr. ")
ROLES = ("Director", "Senior Adviser", "Chair of the Board", "Managing Director")
ORGS = (
    "Cabinet Office",
    "European Commission",
    "Fujitsu Ltd. / JBCE",
    "EU-Japan Centre for Industrial Cooperation",
    "Hitotsubashi University",
)
DISCLAIMERS = (
    "Disclaimer: the views expressed here are the speakers' own.",
    "This report was co-funded by the European Union.",
)


@dataclass
class Report:
    """Markdown text plus the truth: every sentence's span and its owner (None = document)."""

    text: str = ""
    sentences: list[tuple[int, int, str | None]] = field(default_factory=list)
    speakers: list[tuple[str, str]] = field(default_factory=list)

    def add(self, piece: str, owner: str | None = None, sentence: bool = False) -> None:
        if sentence:
            self.sentences.append((len(self.text), len(self.text) + len(piece), owner))
        self.text += piece


# A sentence is a list of (separator-before, token); the first separator is unused.
Sentence = list[tuple[str, str]]


@st.composite
def sentences(draw: st.DrawFn) -> Sentence:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=10))
    if draw(st.booleans()) and len(words) > 1:
        words.insert(draw(st.integers(1, len(words) - 1)), draw(st.sampled_from(TRICKY)))
    words[0] = words[0][0].upper() + words[0][1:]
    words[-1] += draw(st.sampled_from(".?!"))
    seps = draw(
        st.lists(st.sampled_from([" ", " ", " ", "\n"]), min_size=len(words), max_size=len(words))
    )
    return list(zip(seps, words, strict=True))


@st.composite
def paragraphs(draw: st.DrawFn, page_break: bool = True) -> list[Sentence]:
    """Sentences of one paragraph; maybe one broken by a page break before a lower-case word."""
    para = draw(st.lists(sentences(), min_size=1, max_size=4))
    if page_break and draw(st.booleans()):
        spots = [
            (i, j)
            for i, s in enumerate(para)
            for j in range(1, len(s))
            if s[j][1] in WORDS and s[j - 1][1] in WORDS  # plain words, no full stop
        ]
        if spots:
            i, j = draw(st.sampled_from(spots))
            para[i][j] = (draw(st.sampled_from(["\n\n", "\n\n\n", "\n \n"])), para[i][j][1])
    return para


def write_paragraph(report: Report, para: list[Sentence], owner: str | None) -> None:
    for n, sentence in enumerate(para):
        if n:
            report.add(" " if sentence[0][0] == " " else "\n")
        report.add(sentence[0][1] + "".join(sep + word for sep, word in sentence[1:]), owner, True)


@st.composite
def reports(draw: st.DrawFn) -> Report:
    report = Report()
    if draw(st.booleans()):
        level = draw(st.integers(1, 3))
        title = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=5)))
        report.add("#" * level + " **")
        report.add(f"Webinar Report: {title}", None, True)
        report.add("**\n\n")
    for para in draw(st.lists(paragraphs(), max_size=2)):
        write_paragraph(report, para, None)
        report.add("\n\n")
    for _ in range(draw(st.integers(1, 4))):
        name = f"{draw(st.sampled_from(FIRST))} {draw(st.sampled_from(LAST))}"
        affiliation = f"{draw(st.sampled_from(ROLES))}, {draw(st.sampled_from(ORGS))}"
        report.speakers.append((name, affiliation))
        level = draw(st.integers(0, 4))
        report.add(("#" * level + " " if level else "") + "**" + draw(st.sampled_from(HONORIFIC)))
        report.add(f"{name}, {affiliation}")
        if draw(st.booleans()):  # the moderator's style: text after the bold name
            report.add(",** ")
            report.add("asked the following questions.", name, True)
            report.add("\n\n")
        else:
            report.add("**\n\n")
        kinds = ["paragraph", "paragraph", "bullets", "italic", "disclaimer", "section"]
        for kind in draw(st.lists(st.sampled_from(kinds), min_size=1, max_size=5)):
            if kind == "paragraph":
                write_paragraph(report, draw(paragraphs()), name)
            elif kind == "bullets":
                for _ in range(draw(st.integers(1, 3))):
                    report.add(draw(st.sampled_from(["- ", "* ", "1. "])))
                    sentence = draw(sentences())
                    report.add(" ".join(word for _, word in sentence), name, True)
                    report.add("\n")
            elif kind == "italic":
                mark = draw(st.sampled_from("*_"))
                report.add(mark)
                write_paragraph(report, draw(paragraphs(page_break=False)), None)
                report.add(mark)
            elif kind == "disclaimer":
                report.add(draw(st.sampled_from(DISCLAIMERS)), None, True)
            else:  # a heading that names no one belongs to the document
                bold = draw(st.booleans())
                report.add("#### **" if bold else "### ")
                report.add("Questions and answers", None, True)
                report.add("**" if bold else "")
            report.add(draw(st.sampled_from(["\n\n", "\n\n\n", "\n\n  \n"])))
    return report


# ---- the properties -------------------------------------------------------------------------


def sentence_owners(text: str, turns: list[Turn]) -> list[tuple[int, int, str | None]]:
    """Sentences of every turn's paragraphs, except the name-and-role label in a heading."""
    found = []
    for turn in turns:
        for start, end in turn.paragraphs:
            if turn.heading and turn.heading[0] <= start and end <= turn.heading[1]:
                continue
            found += [
                (s.start_char, s.end_char, turn.speaker) for s in split_sentences(text, start, end)
            ]
    return sorted(found)


def check_turns(text: str, turns: list[Turn]) -> None:
    assert [t.index for t in turns] == list(range(len(turns)))
    for before, after in pairwise(turns):
        assert before.end_char <= after.start_char
    for turn in turns:
        assert (turn.speaker is None) == (turn.affiliation is None)
        assert turn.paragraphs[0][0] == turn.start_char
        assert turn.paragraphs[-1][1] == turn.end_char
        for (_, end), (start, _) in pairwise(turn.paragraphs):
            assert end <= start
        for start, end in turn.paragraphs:
            assert start < end, f"empty paragraph at {start}"
            assert text[start:end] == text[start:end].strip()


def check_chunks(text: str, turns: list[Turn], chunks: list[Chunk], cs: ChunkerSettings) -> None:
    assert len({c.id for c in chunks}) == len(chunks), "chunk ids must be unique"
    by_turn: dict[int, list[Chunk]] = {}
    for chunk in chunks:
        assert chunk.text == normalise(text[chunk.start_char : chunk.end_char])
        assert chunk.text
        owners = [
            t for t in turns if t.start_char <= chunk.start_char and chunk.end_char <= t.end_char
        ]
        assert len(owners) == 1, f"chunk {chunk.start_char}:{chunk.end_char} crosses turns"
        turn = owners[0]
        assert (chunk.turn_index, chunk.speaker, chunk.affiliation, chunk.source) == (
            turn.index,
            turn.speaker,
            turn.affiliation,
            turn.source,
        )
        assert chunk.sentences
        assert chunk.sentences[0].start_char == chunk.start_char
        assert chunk.sentences[-1].end_char == chunk.end_char
        previous_end = chunk.start_char
        for s in chunk.sentences:
            assert previous_end <= s.start_char < s.end_char <= chunk.end_char
            assert text[s.start_char : s.end_char].strip() == text[s.start_char : s.end_char]
            assert any(p[0] <= s.start_char and s.end_char <= p[1] for p in turn.paragraphs)
            previous_end = s.end_char
        assert len(chunk.sentences) == 1 or chunk.end_char - chunk.start_char <= cs.max_chars
        by_turn.setdefault(turn.index, []).append(chunk)
    # Every sentence of every turn is in some chunk; neighbours overlap by at most the setting.
    for turn in turns:
        expected = [
            (s.start_char, s.end_char) for p in turn.paragraphs for s in split_sentences(text, *p)
        ]
        mine = by_turn.get(turn.index, [])
        assert sorted({(s.start_char, s.end_char) for c in mine for s in c.sentences}) == expected
        for a, b in pairwise(mine):
            shared = set(a.sentences) & set(b.sentences)
            assert len(shared) <= cs.overlap_sentences
            assert a.start_char < b.start_char


chunker_settings = st.builds(
    ChunkerSettings, max_chars=st.integers(40, 1200), overlap_sentences=st.integers(0, 3)
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report=reports())
def test_generated_reports_parse_into_the_speakers_who_said_each_sentence(report: Report) -> None:
    turns = parse_transcript(report.text, "generated.md")
    check_turns(report.text, turns)
    assert sentence_owners(report.text, turns) == sorted(report.sentences)
    found = {(t.speaker, t.affiliation) for t in turns if t.speaker is not None}
    assert found <= set(report.speakers)
    talking = {owner for _, _, owner in report.sentences if owner is not None}
    assert talking <= {name for name, _ in found}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report=reports(), cs=chunker_settings)
def test_generated_reports_chunk_within_turns_with_exact_offsets(
    report: Report, cs: ChunkerSettings
) -> None:
    turns = parse_transcript(report.text, "generated.md")
    chunks = chunk_turns(turns, report.text, cs)
    check_chunks(report.text, turns, chunks, cs)
    again = chunk_turns(parse_transcript(report.text, "generated.md"), report.text, cs)
    assert [c.id for c in again] == [c.id for c in chunks]
    assert again == chunks


REAL_SETTINGS = [
    ChunkerSettings(),
    ChunkerSettings(max_chars=200, overlap_sentences=0),
    ChunkerSettings(max_chars=1500, overlap_sentences=2),
]


@pytest.mark.parametrize(
    "cs", REAL_SETTINGS, ids=lambda cs: f"{cs.max_chars}-{cs.overlap_sentences}"
)
def test_real_corpus_chunks(cs: ChunkerSettings) -> None:
    text = read_corpus()
    turns = parse_transcript(text, SOURCE)
    check_turns(text, turns)
    chunks = chunk_turns(turns, text, cs)
    check_chunks(text, turns, chunks, cs)
    again = chunk_turns(parse_transcript(text, SOURCE), text, cs)
    assert [c.id for c in again] == [c.id for c in chunks]
    # The page break inside Heikkilä's last paragraph is gone from the chunk text.
    joined = [c for c in chunks if "ties with Japan to boost innovation" in c.text]
    assert joined
    assert {c.speaker for c in joined} == {"Juha Heikkilä"}
    # The disclaimer is chunked on its own, as the document's words.
    disclaimer = [c for c in chunks if "Co-funded by the European Union" in c.text]
    assert disclaimer
    assert {c.speaker for c in disclaimer} == {None}


def test_chunk_ids_name_their_source() -> None:
    """Two transcripts with the same text must not share chunk ids (citations name the file)."""
    text = read_corpus()
    a = chunk_turns(parse_transcript(text, "a.md"), text, ChunkerSettings())
    b = chunk_turns(parse_transcript(text, "b.md"), text, ChunkerSettings())
    assert not {c.id for c in a} & {c.id for c in b}


# Any text at all, Markdown-ish or not: parsing never crashes and the offsets stay exact.
MARKDOWNISH = st.lists(
    st.sampled_from(
        [
            *"abAB .,?!:*_#-+1)(\n\t\"'\u201d\u2019[]",
            "**",
            "\n\n",
            "Dr. ",
            "\r\n",
            "\u00e9",
            "**Anna Berg, Director, METI**",
            "co-funded by",
        ]
    ),
    max_size=60,
).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=MARKDOWNISH, cs=chunker_settings)
def test_any_text_parses_and_chunks_with_exact_offsets(text: str, cs: ChunkerSettings) -> None:
    if not text.strip():
        with pytest.raises(TranscriptFormatError):
            parse_transcript(text, "any.md")
        return
    turns = parse_transcript(text, "any.md")
    assert [t.index for t in turns] == list(range(len(turns)))
    for before, after in pairwise(turns):
        assert before.end_char <= after.start_char
    chunks = chunk_turns(turns, text, cs)
    assert len({c.id for c in chunks}) == len(chunks)
    for chunk in chunks:
        assert chunk.text == normalise(text[chunk.start_char : chunk.end_char])
        owners = [
            t for t in turns if t.start_char <= chunk.start_char <= chunk.end_char <= t.end_char
        ]
        assert [t.speaker for t in owners] == [chunk.speaker]
        for s in chunk.sentences:
            assert chunk.start_char <= s.start_char < s.end_char <= chunk.end_char
            assert text[s.start_char : s.end_char].strip() == text[s.start_char : s.end_char]


@pytest.mark.parametrize("rule", ["***", "---", "___", "* * *"])
def test_thematic_breaks_are_markup_not_words(rule: str) -> None:
    """A rule is markup: no wordless chunk, no empty turn cutting the speaker's turn in two."""
    text = (
        "**Anna Berg, Director, Cabinet Office**\n\nFirst point here.\n\n"
        f"{rule}\n\nSecond point here.\n"
    )
    turns = parse_transcript(text, "rules.md")
    assert [t.speaker for t in turns] == ["Anna Berg"]
    for t in turns:
        assert all(start < end for start, end in t.paragraphs)
    chunks = chunk_turns(turns, text, ChunkerSettings(max_chars=20, overlap_sentences=0))
    assert all(any(ch.isalnum() for ch in c.text) for c in chunks), [c.text for c in chunks]


def test_the_embedding_prefix_names_who_speaks_and_never_says_none() -> None:
    from webinar_rag.core import Chunk

    def chunk(speaker: str | None, affiliation: str | None) -> Chunk:
        return Chunk("id", "s.md", 0, speaker, affiliation, 0, 5, "Hello", ())

    assert chunk("Ann Lee", "Acme").embedding_text(True) == "Ann Lee, Acme: Hello"
    assert chunk("Ann Lee", None).embedding_text(True) == "Ann Lee: Hello"
    assert chunk(None, None).embedding_text(True) == "Document: Hello"
    assert chunk("Ann Lee", "Acme").embedding_text(False) == "Hello"
