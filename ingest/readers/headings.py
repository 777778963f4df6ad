"""Speaker headings of a report: which one-line paragraphs open a person's turn.

Bold `**Name, Role, Org**` lines are unambiguous. The other forms (`**Name:**`, `**Name**`,
`## Name`, a plain `Name, Role, Org` line) also title sections, so they count only when the
label looks like a person (`ingest.readers.speakers`) or the document shows it is a dialogue: the
same label heads several sections, or the document already has recurring `**Label:**` lines.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ingest.readers.speakers import is_person_name, speaker_label, split_person
from webinar_rag.core import Span

Owner = tuple[str, str | None]  # (speaker, affiliation)

HEADING = re.compile(r"^(?P<hashes>#{1,6}[ \t]*)?\*\*(?P<bold>[^*\n]+?)\*\*(?P<rest>[^\n]*)$")
HASH_HEADING = re.compile(r"^#{1,6}[ \t]+(?P<body>[^\n]*)$")


@dataclass(frozen=True)
class SpeakerHeading:
    owner: Owner
    label: Span  # the name (and role), without markup: the turn's first paragraph
    rest_start: int  # where the words after the heading on its line start


@dataclass(frozen=True)
class Headings:
    """What the whole document says about its headings, read before any one is judged."""

    recurring: Counter[str]  # heading label -> how many one-line headings carry it
    dialogue: bool  # some `**Label:**` speaker heading recurs: colon labels name speakers
    plain: tuple[Owner | None, ...]  # per paragraph: the `Name, Role, Org` line it is, if any

    @classmethod
    def scan(cls, text: str, spans: list[Span]) -> Headings:
        labels = [heading_label(text[s:e]) for s, e in spans]
        recurring = Counter(label for label, _ in labels if label)
        dialogue = any(
            colon and label and recurring[label] >= 2 and speaker_label(label)
            for label, colon in labels
        )
        return cls(recurring, bool(dialogue), tuple(_plain_person(text, s, e) for s, e in spans))

    def speaker(self, text: str, spans: list[Span], i: int) -> SpeakerHeading | None:
        """The speaker heading paragraph `i` is, or None."""
        start, end = spans[i]
        para = text[start:end]
        if "\n" in para:
            return None
        bold = HEADING.match(para)
        if bold:
            return self._bold(bold, start, text)
        hashed = HASH_HEADING.match(para)
        if hashed:
            return self._hash(hashed, start, text)
        neighbours = self.plain[max(i - 1, 0) : i] + self.plain[i + 1 : i + 2]
        person = self.plain[i]
        if person and not any(neighbours):
            return SpeakerHeading(person, (start, end), end)
        return None

    def _bold(self, heading: re.Match[str], start: int, text: str) -> SpeakerHeading | None:
        label = strip_span(text, start + heading.start("bold"), start + heading.end("bold"))
        rest_start = start + heading.start("rest")
        person = split_person(heading.group("bold"))
        if person:
            return SpeakerHeading(person, label, rest_start)
        bold, rest = heading.group("bold").strip(), heading.group("rest")
        colon_after = not bold.endswith(":") and rest.lstrip().startswith(":")
        colon = bold.endswith(":") or colon_after
        if colon_after:
            rest_start += rest.index(":") + 1
        name = bold.rstrip(":").strip()
        if text[rest_start : start + heading.end()].strip():  # `**Name:** words`
            found = speaker_label(name) if colon else None
        else:
            found = name if self._names_a_person(name, colon) else None
        if found is None:
            return None
        return SpeakerHeading((found, None), (label[0], label[0] + len(name)), rest_start)

    def _hash(self, hashed: re.Match[str], start: int, text: str) -> SpeakerHeading | None:
        body = strip_span(text, start + hashed.start("body"), start + hashed.end("body"))
        label = text[body[0] : body[1]]
        person = split_person(label)
        if person and is_person_name(person[0]):
            return SpeakerHeading(person, body, body[1])
        if self._names_a_person(label, colon=False):
            return SpeakerHeading((label, None), body, body[1])
        return None

    def _names_a_person(self, name: str, colon: bool) -> bool:
        """A heading that is only a name: a person's name of two or more tokens, or a label
        that heads two or more sections, or any `**Label:**` in a dialogue."""
        if speaker_label(name) and (self.recurring[name] >= 2 or (colon and self.dialogue)):
            return True
        return is_person_name(name)


def heading_label(para: str) -> tuple[str | None, bool]:
    """The bare label of a one-line bold or hash heading with nothing after it, and whether it
    ends with a colon (`**Interviewer:**`)."""
    if "\n" in para:
        return None, False
    bold = HEADING.match(para)
    if bold and not bold.group("rest").strip(" \t:"):
        label = bold.group("bold").strip()
        colon = label.endswith(":") or bold.group("rest").strip() == ":"
        return label.rstrip(":").strip(), colon
    hashed = None if bold else HASH_HEADING.match(para)
    if hashed:
        return hashed.group("body").strip(), False
    return None, False


def _plain_person(text: str, start: int, end: int) -> Owner | None:
    """`Name, Role, Organisation` alone on a plain line (not a bullet, no final punctuation)."""
    line = text[start:end]
    if "\n" in line or (start and text[start - 1] != "\n") or line[0] in "#*-_>|[(":
        return None
    if line.rstrip()[-1] in ".!?:;,)":
        return None
    person = split_person(line)
    if person and person[1] and is_person_name(person[0]):
        return person
    return None


def strip_span(text: str, start: int, end: int) -> Span:
    """Shrink a span so it starts and ends on a non-space character."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
