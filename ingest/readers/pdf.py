"""PDF reports (pdfplumber): lines joined back into paragraphs, bold speaker lines found by
font, the page of every turn kept.

Lines join into a paragraph unless white space, a change between bold and regular type, or a
page break after a finished sentence separates them; "regu-" + "lation" joins to
"regulation". A bold paragraph that names a person opens their turn, even when it was broken
across a page; other bold paragraphs are document headings. Lines that repeat at the top or
bottom of most pages (running headers, footers) and bare page numbers are dropped. The text
is written from the paragraphs, so quotes are verbatim against it.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

from ingest.readers.base import NO_SPEAKERS, Document
from ingest.readers.builder import TurnBuilder
from ingest.readers.speakers import is_person_name, speaker_label, split_person
from webinar_rag.core import TranscriptFormatError

_PAGE_NUMBER = re.compile(r"^(?:page\s*)?[-–]?\s*\d{1,4}\s*[-–]?(?:\s*(?:/|of)\s*\d{1,4})?$", re.I)
_TERMINAL = tuple('.!?:;"”’)')
_BROKEN = (PdfminerException, MalformedPDFException, PDFSyntaxError, PDFEncryptionError)


@dataclass(frozen=True)
class _Line:
    text: str
    page: int  # 1-based
    top: float
    bottom: float
    bold: bool


@dataclass
class _Paragraph:
    text: str
    page: int
    bold: bool
    breaks: list[tuple[int, int]] = field(default_factory=list)  # (offset in text, new page)


class PdfReader:
    name: str = "pdf"
    suffixes: tuple[str, ...] = (".pdf",)

    def sniff(self, head: str) -> bool:
        return head.startswith("%PDF")

    def read(self, path: Path, data: bytes) -> Document:
        try:
            with pdfplumber.open(io.BytesIO(data)) as pdf:
                lines = [_lines(page, n) for n, page in enumerate(pdf.pages, start=1)]
                title = str(pdf.metadata.get("Title") or "").strip()
        except _BROKEN as exc:
            cause = exc.args[0] if exc.args else exc
            if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
                raise TranscriptFormatError(
                    f"{path.name} is encrypted; remove the password (print it to a new PDF or "
                    "export it again without protection) and ingest that copy."
                ) from exc
            raise TranscriptFormatError(
                f"{path.name} is not a readable PDF ({type(exc).__name__}: {exc}). Export it "
                "again from the original document."
            ) from exc
        if not any(lines):
            raise TranscriptFormatError(
                f"{path.name} has no text layer (a scan?); OCR is not supported: export the text "
                "or use the original document."
            )
        paragraphs = _paragraphs(_without_furniture(lines))
        return _document(path, paragraphs, title, self.name)


def _lines(page: Any, number: int) -> list[_Line]:
    found = []
    for line in page.extract_text_lines(return_chars=True):
        chars = [c for c in line["chars"] if c["text"].strip()]
        if not chars:
            continue
        bold = all("bold" in str(c.get("fontname", "")).lower() for c in chars)
        found.append(_Line(line["text"].strip(), number, line["top"], line["bottom"], bold))
    return found


def _without_furniture(pages: list[list[_Line]]) -> list[_Line]:
    """All lines in reading order, less running headers/footers and bare page numbers."""
    edges = Counter(
        re.sub(r"\d+", "#", line.text) for page in pages for line in {*page[:1], *page[-1:]}
    )
    repeated = {k for k, n in edges.items() if n >= 2 and n * 2 >= len(pages)}
    kept = []
    for page in pages:
        for i, line in enumerate(page):
            edge = i in (0, len(page) - 1)
            if edge and (
                _PAGE_NUMBER.match(line.text) or re.sub(r"\d+", "#", line.text) in repeated
            ):
                continue
            kept.append(line)
    return kept


def _paragraphs(lines: list[_Line]) -> list[_Paragraph]:
    paragraphs: list[_Paragraph] = []
    prev: _Line | None = None
    for line in lines:
        if prev is None or not _continues(prev, line):
            paragraphs.append(_Paragraph(line.text, line.page, line.bold))
        else:
            para = paragraphs[-1]
            hyphen = (
                para.text.endswith("-") and para.text[-2:-1].isalpha() and line.text[0].islower()
            )
            para.text = para.text[:-1] if hyphen else para.text + " "
            if line.page != prev.page:
                para.breaks.append((len(para.text), line.page))
            para.text += line.text
        prev = line
    return paragraphs


def _continues(prev: _Line, line: _Line) -> bool:
    """Does `line` go on with the paragraph `prev` ends?"""
    if prev.bold != line.bold:
        return False
    if line.page != prev.page:
        return not prev.text.endswith(_TERMINAL)  # a sentence broken by the page break
    height = max(prev.bottom - prev.top, 1.0)
    return line.top - prev.bottom < 0.6 * height


def _document(path: Path, paragraphs: list[_Paragraph], title: str, name: str) -> Document:
    builder = TurnBuilder(path.name)
    blocks: list[str] = []
    pos = 0
    for para in paragraphs:
        span = (pos, pos + len(para.text))
        marks = tuple((pos + offset, None, None, page) for offset, page in para.breaks)
        person = split_person(para.text) if para.bold else None
        label = para.text.rstrip(":").strip()
        if person:
            builder.speaker(person[0], span, affiliation=person[1], label=span, page=para.page)
        elif para.bold and (
            is_person_name(label) or (para.text.endswith(":") and speaker_label(label))
        ):
            builder.speaker(label, span, label=(pos, pos + len(label)), page=para.page)
        elif para.bold:
            builder.document(span, page=para.page)
        else:
            builder.words(span, page=para.page, marks=marks)
        blocks.append(para.text)
        pos = span[1] + 2
    turns = builder.turns()
    notes = () if any(t.speaker for t in turns) else (NO_SPEAKERS,)
    title = title or paragraphs[0].text
    return Document(path.name, title, name, "\n\n".join(blocks), turns, None, notes)
