"""Speaker-prefixed logs: chat exports, meeting logs, ELITR-style `(PERSON4) words` lines.

One file uses one prefix style (`Name: words`, `[Name] words`, `(PERSON4) words`,
`[00:01:02] Name: words`, `00:01:02 Name: words`, or Otter/Teams' `Name  0:05` line above the
words); the style that prefixes most lines is the file's, so a `[PERSON5] is here` sentence in a
`(PERSONn)` log stays words. Lines without a prefix, and an empty label `()`, continue the last
speaker; consecutive lines of one speaker are one turn. The document's text is the file's own.

Prose has lines like "Note: ..." too, so a file is read as a log only when it clearly is one:
at least two prefixed lines, a label that recurs or two different labels, and prefixed lines
making up half of the non-blank lines or of the paragraph starts (a fifth of the lines for the
bracketed and timed styles, which prose does not write by accident: ELITR's logs prefix a
quarter to a half of their lines). A heading word ("Note", "Agenda") names a speaker only in a
clear log, and only when it recurs. Otherwise every line is unattributed text.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from ingest.readers.base import NO_SPEAKERS, Document, decode
from ingest.readers.builder import TurnBuilder
from ingest.readers.clock import CLOCK, seconds
from ingest.readers.headings import strip_span
from ingest.readers.speakers import speaker_label
from webinar_rag.core import Turn

_STYLES = {
    "bracketed time": re.compile(
        rf"^\[(?P<time>{CLOCK})\][ \t]*(?P<name>[^:\n]{{1,60}}?)[ \t]*:(?:[ \t]+(?P<text>.*))?$",
        re.M,
    ),
    "time": re.compile(
        rf"^(?P<time>{CLOCK})[ \t]+(?P<name>[^:\n]{{1,60}}?)[ \t]*:(?:[ \t]+(?P<text>.*))?$", re.M
    ),
    "parenthesised": re.compile(r"^\((?P<name>[^()\n]{0,40})\)(?:[ \t]*(?P<text>.*))?$", re.M),
    "bracketed": re.compile(r"^\[(?P<name>[^\[\]\n]{1,40})\](?:[ \t]+(?P<text>.*))?$", re.M),
    "name above": re.compile(rf"^(?P<name>[^\t\n:]{{1,60}}?)[ \t]+(?P<time>{CLOCK})[ \t]*$", re.M),
    "colon": re.compile(r"^(?P<name>[^:\n]{1,40}?)[ \t]*:(?:[ \t]+(?P<text>.*))?$", re.M),
}
_WEAK = "colon"  # the one style prose writes too ("Note: ...")
Prefixes = dict[int, re.Match[str]]  # line number -> its speaker prefix


class LogReader:
    name: str = "log"
    suffixes: tuple[str, ...] = (".log", ".txt", ".md", ".markdown")

    def sniff(self, head: str) -> bool:
        return bool(analyse(head.replace("\r\n", "\n"))[1])

    def read(self, path: Path, data: bytes) -> Document:
        text, encoding = decode(data, path.name)
        turns, speakers = read_log(text, path.name)
        notes = () if speakers else (NO_SPEAKERS,)
        return Document(path.name, path.stem, self.name, text, turns, encoding, notes)


def line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line, trailing white space excluded."""
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line.rstrip())))
        pos += len(line) + 1
    return spans


def analyse(text: str) -> tuple[Prefixes, set[str]]:
    """The speaker prefix of each line (an empty label `()` included) and the speakers named;
    both empty when the file is not clearly a log."""
    spans = line_spans(text)
    best: tuple[str, Prefixes] = (_WEAK, {})
    for style, pattern in _STYLES.items():
        found = {i: m for i, (s, e) in enumerate(spans) if (m := pattern.match(text, s, e))}
        found = {
            i: m for i, m in found.items() if not m["name"].strip() or speaker_label(m["name"])
        }
        if len(found) > len(best[1]):
            best = (style, found)
    style, found = best
    counts = Counter(speaker_label(m["name"]) for m in found.values() if m["name"].strip())
    if not _clearly_a_log(style, found, counts, spans):
        return {}, set()
    pattern = _STYLES[style]
    matched = {i: m for i, (s, e) in enumerate(spans) if (m := pattern.match(text, s, e))}
    labels = Counter(_label(m) for m in matched.values())
    speakers = {n for n, c in labels.items() if n and (c >= 2 or n in counts)}
    prefixes = {i: m for i, m in matched.items() if not m["name"].strip() or _label(m) in speakers}
    return prefixes, speakers


def _label(m: re.Match[str]) -> str | None:
    return speaker_label(m["name"], heading_words=True)


def _clearly_a_log(
    style: str, found: Prefixes, counts: Counter[str | None], spans: list[tuple[int, int]]
) -> bool:
    if len(found) < 2 or not counts or (len(counts) < 2 and max(counts.values()) < 2):
        return False
    nonblank = sum(e > s for s, e in spans)
    if len(found) / nonblank >= (0.5 if style == _WEAK else 0.2):
        return True
    starts = [
        i
        for i, (s, e) in enumerate(spans)
        if e > s and (i == 0 or spans[i - 1][1] == spans[i - 1][0])
    ]
    return len(starts) >= 2 and sum(i in found for i in starts) / len(starts) >= 0.5


def read_log(text: str, name: str) -> tuple[tuple[Turn, ...], set[str]]:
    """The log's turns over its own text, and the speakers it names."""
    prefixes, speakers = analyse(text)
    builder = TurnBuilder(name)
    paragraph_open = False  # the next line without a prefix goes on with the last paragraph
    for i, (start, end) in enumerate(line_spans(text)):
        m = prefixes.get(i)
        if end <= start or (m is not None and not m["name"].strip() and not m["text"]):
            paragraph_open = False  # a blank line, or a bare `()`
        elif m is None or not m["name"].strip():  # words, or `()`: the last speaker goes on
            words = (m.start("text"), m.end("text")) if m and m["text"] else (start, end)
            builder.words(strip_span(text, *words), joined=paragraph_open and m is None)
            paragraph_open = True
        else:
            heading = strip_span(text, m.start("name"), m.end("name"))
            time = seconds(m["time"]) if m.groupdict().get("time") else None
            builder.speaker(_label(m) or "", heading, time=time, start=start)
            paragraph_open = False
            if m.groupdict().get("text"):
                builder.words(strip_span(text, m.start("text"), m.end("text")))
                paragraph_open = True
    return builder.turns(), speakers
