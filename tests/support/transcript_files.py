"""Transcript files the reader tests write themselves: cue formats rendered from turns, Word
documents (python-docx) and PDFs (fpdf2), and the invariants every read document must keep."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import docx
from fpdf import FPDF

from ingest.readers import Document

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"  # beside the checkout


@dataclass(frozen=True)
class Cue:
    speaker: str
    text: str
    start: float  # seconds, whole milliseconds
    end: float


def clock(seconds: float, comma: bool = False) -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{',' if comma else '.'}{ms:03d}"


def render(cues: Sequence[Cue], format: str) -> str:
    """The cues as a file of `format` (vtt, srt, json, jsonl, log)."""
    if format == "vtt":
        blocks = [f"{clock(c.start)} --> {clock(c.end)}\n<v {c.speaker}>{c.text}" for c in cues]
        return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"
    if format == "srt":
        return "".join(
            f"{i}\n{clock(c.start, True)} --> {clock(c.end, True)}\n{c.speaker}: {c.text}\n\n"
            for i, c in enumerate(cues, start=1)
        )
    records = [{"speaker": c.speaker, "text": c.text, "start": c.start, "end": c.end} for c in cues]
    if format == "json":
        return json.dumps({"segments": records}, ensure_ascii=False)
    if format == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if format == "log":
        return "".join(f"[{clock(c.start)[:8]}] {c.speaker}: {c.text}\n" for c in cues)
    raise ValueError(format)


def merged(cues: Sequence[Cue]) -> list[tuple[str, str, float, float]]:
    """What a reader should give back: consecutive cues of one speaker as one turn."""
    turns: list[tuple[str, str, float, float]] = []
    for c in cues:
        if turns and turns[-1][0] == c.speaker:
            speaker, text, start, end = turns[-1]
            turns[-1] = (speaker, f"{text} {c.text}", start, max(end, c.end))
        else:
            turns.append((c.speaker, c.text, c.start, c.end))
    return turns


def check_document(doc: Document) -> None:
    """Offsets the index and citations rely on: every paragraph and heading is a slice of the
    text, turns are ordered and disjoint, marks sit inside their turn."""
    text = doc.text
    assert doc.turns, "a document has turns"
    for i, turn in enumerate(doc.turns):
        assert turn.index == i and turn.source == doc.name
        assert 0 <= turn.start_char <= turn.paragraphs[0][0]
        assert turn.end_char == turn.paragraphs[-1][1] <= len(text)
        for (s1, e1), (s2, e2) in pairwise(turn.paragraphs):
            assert e1 <= s2, (s1, e1, s2, e2)
        for s, e in turn.paragraphs:
            assert s < e and text[s:e] == text[s:e].strip()
        if turn.speaker is None:
            assert turn.heading is None
        elif turn.heading is not None:
            heading = text[turn.heading[0] : turn.heading[1]]
            if doc.format in ("vtt", "srt", "json", "log"):
                assert heading == turn.speaker
            else:
                assert turn.speaker.split()[-1] in heading
        offsets = [m[0] for m in turn.marks]
        assert offsets == sorted(offsets)
        assert all(turn.start_char <= o <= turn.end_char for o in offsets)
    for before, after in pairwise(doc.turns):
        assert before.end_char <= after.start_char


def spoken(doc: Document) -> list[tuple[str | None, str]]:
    """(speaker, words) per turn, white space folded, the report-style label left out."""
    found = []
    for t in doc.turns:
        parts = [doc.text[s:e] for s, e in t.paragraphs]
        found.append((t.speaker, " ".join(" ".join(parts).split())))
    return found


def make_docx(
    paragraphs: Sequence[tuple[str, str | None, bool]], title: str | None = None
) -> bytes:
    """(text, style, bold) paragraphs; a text "Name:|words" writes a bold "Name:" run first."""
    document = docx.Document()
    if title:
        document.core_properties.title = title
    for text, style, bold in paragraphs:
        paragraph = document.add_paragraph(style=style)
        if "|" in text:
            lead, rest = text.split("|", 1)
            paragraph.add_run(lead).bold = True
            paragraph.add_run(rest)
        else:
            paragraph.add_run(text).bold = bold or None
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


class _ReportPdf(FPDF):
    furniture = True  # a running header and page numbers

    def header(self) -> None:
        if not self.furniture:
            return
        self.set_font("Helvetica", "I", 8)
        self.cell(0, 6, "EU-Japan Webinar Report", new_x="LMARGIN", new_y="NEXT")
        self.ln(4)

    def footer(self) -> None:
        if not self.furniture:
            return
        self.set_y(-12)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 6, str(self.page_no()), align="C")


def make_pdf(
    blocks: Sequence[tuple[str, bool]],
    *,
    title: str | None = None,
    break_before: int | None = None,
    password: str | None = None,
    furniture: bool = True,
) -> bytes:
    """(text, bold) paragraphs with running header and footer; the block at `break_before`
    starts one line above the bottom margin, so a two-line block is cut by the page break."""
    pdf = _ReportPdf(format=(148, 210))
    pdf.furniture = furniture
    pdf.set_auto_page_break(True, margin=15)
    if title:
        pdf.set_title(title)
    pdf.add_page()
    for i, (text, bold) in enumerate(blocks):
        pdf.set_font("Helvetica", "B" if bold else "", 11)
        if i == break_before:
            pdf.set_y(pdf.h - 15 - 6 - 0.5)
        pdf.multi_cell(0, 6, text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
    if password:
        pdf.set_encryption(owner_password="owner", user_password=password)
    return bytes(pdf.output())


def make_image_pdf() -> bytes:
    """A page with a picture and no text, like a scan."""
    from PIL import Image

    pdf = FPDF()
    pdf.add_page()
    pdf.image(Image.new("RGB", (60, 30), "white"), x=10, y=10, w=60)
    return bytes(pdf.output())
