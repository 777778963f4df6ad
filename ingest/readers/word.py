"""Word documents (python-docx): Teams' transcript download (a `Name   0:03` paragraph above
the words) and reports whose speakers are all-bold paragraphs (`Name, Role, Org`, `Name:`) or
start with a bold `Name:`.

The document's text is written from the paragraphs, one a block, blocks separated by blank
lines, headings and speaker lines kept as they read: quotes are verbatim against it, and a
passage shown in context looks like the document (`assemble` would fold a report's
paragraphs into one line a speaker).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml.etree import XMLSyntaxError

from ingest.readers.base import NO_SPEAKERS, Document
from ingest.readers.builder import TurnBuilder
from ingest.readers.clock import CLOCK, seconds
from ingest.readers.speakers import is_person_name, speaker_label, split_person
from webinar_rag.core import TranscriptFormatError

_TEAMS = re.compile(rf"^(?P<name>\S.*?)[ \t\u00a0]+(?P<time>{CLOCK})$")
# What a Word file's parts may inflate to: a long meeting's document.xml is a few MB, and
# pictures barely compress, so only an archive built to explode gets near this.
MAX_INFLATED = 256_000_000
_BROKEN = (zipfile.BadZipFile, PackageNotFoundError, KeyError, XMLSyntaxError, ValueError)


class DocxReader:
    name: str = "docx"
    suffixes: tuple[str, ...] = (".docx",)

    def sniff(self, head: str) -> bool:
        return False  # a zip: chosen by its extension only

    def read(self, path: Path, data: bytes) -> Document:
        _check_inflated(path, data)
        try:
            document = docx.Document(io.BytesIO(data))
        except _BROKEN as exc:
            raise TranscriptFormatError(
                f"{path.name} is not a readable Word document ({type(exc).__name__}: {exc}). "
                "Open it in Word and save it again as .docx, or export the transcript as text."
            ) from exc
        title = (document.core_properties.title or "").strip()
        builder = TurnBuilder(path.name)
        blocks: list[str] = []
        pos = 0
        for paragraph in _paragraphs(document):
            words = paragraph.text.strip()
            if not words:
                continue
            style = paragraph.style.name if paragraph.style is not None else None
            heading = (style or "").startswith(("Heading", "Title"))
            title = title or (words if heading else "")
            _add(builder, paragraph, words, pos, heading)
            blocks.append(words)
            pos += len(words) + 2
        if not blocks:
            raise TranscriptFormatError(f"{path.name} holds no text. Check it is the transcript.")
        turns = builder.turns()
        notes = () if any(t.speaker for t in turns) else (NO_SPEAKERS,)
        text = "\n\n".join(blocks)
        return Document(path.name, title or path.stem, self.name, text, turns, None, notes)


def _check_inflated(path: Path, data: bytes) -> None:
    """Refuse an archive whose parts inflate past MAX_INFLATED before python-docx reads them
    all into memory (a 7 MB file whose document.xml inflates to 2 GB took 18.8 GB). The sizes
    are the archive's own; a part that inflates past its stated size fails its CRC check."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile:
        return  # python-docx says it is not a readable Word document
    inflated = sum(m.file_size for m in members)
    if inflated > MAX_INFLATED:
        raise TranscriptFormatError(
            f"{path.name} inflates to {inflated / 1e6:,.0f} MB when unpacked (from "
            f"{len(data) / 1e6:,.1f} MB); at most {MAX_INFLATED / 1e6:,.0f} MB are read. It is "
            "not a document Word writes for a transcript: save it again, or export the text."
        )


def _paragraphs(document: DocxDocument) -> Iterator[Paragraph]:
    """Body paragraphs in reading order, a table's cells row by row."""
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            for row in item.rows:
                for cell in row.cells:
                    yield from cell.paragraphs
        else:
            yield item


def _add(builder: TurnBuilder, paragraph: Paragraph, words: str, start: int, heading: bool) -> None:
    """One paragraph, written at `start` of the document's text, into the turns."""
    end = start + len(words)
    teams = _TEAMS.match(words)
    if teams and speaker_label(teams["name"]):
        name = teams["name"]
        time = seconds(teams["time"])
        builder.speaker(speaker_label(name) or name, (start, start + len(name)), time=time)
        return
    runs = [(r.text, _bold(r, paragraph)) for r in paragraph.runs if r.text.strip()]
    if runs and all(bold for _, bold in runs):
        person = split_person(words)
        name = words.rstrip(":").strip()
        if person:
            builder.speaker(person[0], (start, end), affiliation=person[1], label=(start, end))
            return
        if is_person_name(name) or (words.endswith(":") and speaker_label(name)):
            builder.speaker(name, (start, end), label=(start, start + len(name)))
            return
    lead = "".join(text for text, bold in _leading_bold(runs)).strip()
    if lead.endswith(":") and speaker_label(lead[:-1]) and words.startswith(lead):
        name = lead[:-1].strip()
        builder.speaker(speaker_label(name) or name, (start, start + len(name)))
        rest = len(lead) + len(words[len(lead) :]) - len(words[len(lead) :].lstrip())
        builder.words((start + rest, end))
        return
    if heading:
        builder.document((start, end))
    else:
        builder.words((start, end))


def _leading_bold(runs: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    lead: list[tuple[str, bool]] = []
    for run in runs:
        if not run[1]:
            return lead
        lead.append(run)
    return []  # all bold: not a prefix


def _bold(run: Run, paragraph: Paragraph) -> bool:
    """Bold as shown: the run's own setting, else its character style's, else the paragraph's."""
    for bold in (run.bold, run.style.font.bold if run.style else None):
        if bold is not None:
            return bool(bold)
    return bool(paragraph.style.font.bold) if paragraph.style is not None else False
