"""Any indexed document's transcript, written out: WebVTT, SubRip, plain text or JSON.

What comes out reads back in: the VTT as captions (`<v Speaker>` voice tags, cue times), the
JSON as a list of `{speaker, text, start, end}` turns, the text as a `[0:01:02] Name: words`
log. So a user can correct a recording's transcript by hand and ingest the correction. A
document's cues are its marks (one per caption cue, ASR segment or log line), else its turns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from webinar_rag.core import Source, TranscriptFormatError

FORMATS = ("vtt", "srt", "txt", "json")


@dataclass(frozen=True)
class Cue:
    speaker: str | None
    text: str
    start: float | None
    end: float | None


def cues(source: Source) -> list[Cue]:
    """The document's text as cues, in order, each with its speaker and times."""
    found: list[Cue] = []
    for turn in source.turns:
        marks = [m for m in turn.marks if m[0] < turn.end_char] or [
            (turn.paragraphs[0][0], turn.start_time, turn.end_time, turn.page)
        ]
        for i, (offset, start, end, _) in enumerate(marks):
            stop = marks[i + 1][0] if i + 1 < len(marks) else turn.end_char
            text = " ".join(
                source.text[max(a, offset) : min(b, stop)]
                for a, b in turn.paragraphs
                if min(b, stop) > max(a, offset)
            )
            text = " ".join(text.split())
            if text:
                found.append(Cue(turn.speaker, text, start, end))
    return found


def transcript_text(source: Source, format: str = "vtt") -> str:
    """The document in `format` (one of FORMATS)."""
    found = cues(source)
    if format == "json":
        records = [
            {"speaker": c.speaker, "text": c.text, "start": c.start, "end": c.end} for c in found
        ]
        return json.dumps(records, ensure_ascii=False, indent=1) + "\n"
    if format == "txt":
        return "\n".join(_line(c) for c in found) + "\n"
    if format not in ("vtt", "srt"):
        raise TranscriptFormatError(f"Unknown format {format!r}: use one of {', '.join(FORMATS)}.")
    timed = _timed(found, source.name, format)
    if format == "srt":
        blocks = [
            f"{n}\n{_clock(s, ',')} --> {_clock(e, ',')}\n{_said(c)}"
            for n, (c, s, e) in enumerate(timed, start=1)
        ]
        return "\n\n".join(blocks) + "\n"
    blocks = [
        f"{_clock(s, '.')} --> {_clock(e, '.')}\n"
        + (f"<v {c.speaker}>{_escape(c.text)}" if c.speaker else _escape(c.text))
        for c, s, e in timed
    ]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"


def _timed(found: list[Cue], name: str, format: str) -> list[tuple[Cue, float, float]]:
    """Cues with a start and an end: a missing end is the next cue's start (or 2 s on)."""
    if not found or any(c.start is None for c in found):
        raise TranscriptFormatError(
            f"{name} has no times for its text, so it cannot be written as {format}. Use "
            "--format txt or --format json."
        )
    timed = []
    for i, c in enumerate(found):
        start = float(c.start or 0.0)
        following = found[i + 1].start if i + 1 < len(found) else None
        end = c.end if c.end is not None else following if following is not None else start + 2
        timed.append((c, start, max(float(end), start)))
    return timed


def _line(c: Cue) -> str:
    when = f"[{_clock(c.start, '.')[:-4]}] " if c.start is not None else ""
    return f"{when}{_said(c)}"


def _said(c: Cue) -> str:
    return f"{c.speaker}: {c.text}" if c.speaker else c.text


def _clock(seconds: float | None, mark: str) -> str:
    total = round(float(seconds or 0.0) * 1000)
    h, rest = divmod(total, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{mark}{ms:03d}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
