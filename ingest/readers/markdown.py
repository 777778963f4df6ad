"""Parse a Markdown meeting report into speaker turns and document-level blocks.

A speaker is announced by a heading line that names a person:
- `**Name, Role, Organisation**` (at any heading level, or none), text may follow on the line;
- `**Name:** text` or `**Name**: text` (the colon and the text on the line say "speaking");
- `**Name**` or `**Name:**` alone on its line, and `## Name` (a hash heading that is only a
  name): these look like section titles, so the name must look like a person's (see
  `ingest.readers.speakers.is_person_name`), or recur as a heading;
- `Name, Role, Organisation` alone on a plain line, with no final punctuation, when its
  neighbours are not such lines too (a list of participants is not a list of speakers).
Everything up to the next speaker belongs to that speaker, except text that belongs to the
document: headings that do not name a person, whole-paragraph italic notes and funding
disclaimers. Those become turns with no speaker, so they are never attributed to the person
whose section they sit in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ingest.readers.headings import HASH_HEADING, HEADING, Headings, Owner, strip_span
from webinar_rag.core import Span, TranscriptFormatError, Turn

_ITALIC_PARAGRAPH = re.compile(r"^(\*|_)(?!\1)(?P<body>[\s\S]+?)(?<!\1)\1$")
_BULLET = re.compile(r"^[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t]+")
_THEMATIC_BREAK = re.compile(r"^[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$")
# Boilerplate that funders require in reports; it is the document speaking, not a person.
_DISCLAIMER = re.compile(
    r"\b(co-funded by|funded by the european union|views and opinions expressed|disclaimer)\b",
    re.IGNORECASE,
)
_TERMINAL = tuple('.!?:;"”’)]')


@dataclass(frozen=True)
class _Block:
    owner: Owner | None  # (speaker, affiliation) or None for the document
    span: Span
    heading: Span | None
    kind: str  # "label" (a speaker's name and role), "body", "heading", "note"


def parse_transcript(text: str, source: str) -> list[Turn]:
    """Split a report into turns; raise TranscriptFormatError when there is nothing to read."""
    if not text.strip():
        raise TranscriptFormatError(
            f"{source} is empty. Put a transcript with text in it, or remove the file."
        )
    blocks = _join_page_breaks(_blocks(text), text)
    turns: list[Turn] = []
    headings: dict[str | None, Span] = {}  # a speaker's heading, also for a turn resumed later
    for block in blocks:
        speaker, affiliation = block.owner if block.owner else (None, None)
        if block.heading is not None:
            headings[speaker] = block.heading
        last = turns[-1] if turns else None
        if last is not None and last.speaker == speaker and block.kind != "label":
            turns[-1] = replace(
                last, end_char=block.span[1], paragraphs=(*last.paragraphs, block.span)
            )
            continue
        turns.append(
            Turn(
                source=source,
                index=len(turns),
                speaker=speaker,
                affiliation=affiliation,
                start_char=block.span[0],
                end_char=block.span[1],
                paragraphs=(block.span,),
                heading=headings.get(speaker) if speaker else None,
            )
        )
    return turns


def _blocks(text: str) -> list[_Block]:
    """Classify each paragraph (or heading, or bullet) and give it an owner."""
    spans = _paragraph_spans(text)
    headings = Headings.scan(text, spans)
    owner: Owner | None = None
    blocks: list[_Block] = []
    for i, (start, end) in enumerate(spans):
        para = text[start:end]
        speaker = headings.speaker(text, spans, i)
        if speaker:
            # The name and role open the turn, so "who is X?" finds X's own section.
            owner = speaker.owner
            blocks.append(_Block(owner, speaker.label, (start, speaker.rest_start), "label"))
            rest = strip_span(text, speaker.rest_start, end)
            if rest[1] > rest[0]:
                blocks.append(_Block(owner, rest, None, "body"))
            continue
        heading = HEADING.match(para) if "\n" not in para else None
        if heading and not heading.group("rest").strip():
            inner = strip_span(text, start + heading.start("bold"), start + heading.end("bold"))
            blocks.append(_Block(None, inner, None, "heading"))
            continue
        hashed = HASH_HEADING.match(para) if "\n" not in para and not heading else None
        if hashed:
            body = strip_span(text, start + hashed.start("body"), end)
            blocks.append(_Block(None, body, None, "heading"))
            continue
        italic = _ITALIC_PARAGRAPH.match(para)
        if italic:
            body = strip_span(text, start + italic.start("body"), start + italic.end("body"))
            blocks.append(_Block(None, body, None, "note"))
            continue
        if _DISCLAIMER.search(para):
            blocks.append(_Block(None, (start, end), None, "note"))
            continue
        # Also a bold line that names no one but has words after it (`**Note:** ...`): a
        # paragraph that starts in bold, kept whole rather than losing its words.
        blocks.append(_Block(owner, (start, end), None, "body"))
    return blocks


def _paragraph_spans(text: str) -> list[Span]:
    """Blank-line separated paragraphs; a heading line stands alone, a bullet item starts a new
    paragraph (its wrapped lines continue it), and a thematic break (`***`) separates."""
    spans: list[Span] = []
    current: list[int] | None = None  # [start, end] of the paragraph being read
    pos = 0
    for line in text.splitlines(keepends=True):
        line_start, pos = pos, pos + len(line)
        body = line.rstrip("\r\n")
        line_end = line_start + len(body)
        blank = not body.strip() or bool(_THEMATIC_BREAK.match(body))
        bullet = None if blank else _BULLET.match(body)
        heading = not blank and (body.lstrip().startswith("#") or bool(HEADING.match(body)))
        if current is not None and (blank or bullet or heading):
            spans.append((current[0], current[1]))
            current = None
        if blank:
            continue
        if heading:
            spans.append((line_start, line_end))
        elif current is None:
            current = [line_start + bullet.end() if bullet else line_start, line_end]
        else:
            current[1] = line_end
    if current is not None:
        spans.append((current[0], current[1]))
    return [strip_span(text, s, e) for s, e in spans if text[s:e].strip()]


def _join_page_breaks(blocks: list[_Block], text: str) -> list[_Block]:
    """Join a paragraph that stops mid-sentence with the lower-case paragraph that goes on."""
    joined: list[_Block] = []
    for block in blocks:
        prev = joined[-1] if joined else None
        if (
            prev is not None
            and prev.kind == block.kind == "body"
            and prev.owner == block.owner
            and block.heading is None
            and prev.span[1] > prev.span[0]
            and not text[prev.span[0] : prev.span[1]].rstrip().endswith(_TERMINAL)
            and text[block.span[0]].islower()
        ):
            joined[-1] = _Block(prev.owner, (prev.span[0], block.span[1]), prev.heading, "body")
            continue
        joined.append(block)
    return joined
