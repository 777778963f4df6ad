"""Speakers inside caption cues: `Name: words` (Zoom), `[Name] words`, `- Name: words`,
`>> Name: words` (broadcast). A line with a prefix starts that speaker's words; the lines after
it in the same cue are theirs too. A cue that names no one stays unattributed: the format does
not say who spoke, and a wrong "X said" is worse for a cited answer than no name.
"""

from __future__ import annotations

import html
import re

from ingest.readers.speakers import speaker_label

_PREFIX = re.compile(
    r"^(?:[-–]\s*|>>\s*)?(?:\[(?P<bracket>[^\]\n]{1,40})\]|(?P<colon>[^:\n]{1,40}?)\s*:)\s+(?=\S)"
)
_TAG = re.compile(r"<[^>\n]*>")  # <b>, <i>, <c.x>, <00:00:01.000>, </v>, <font ...>
_SSA = re.compile(r"\{\\[^}]*\}")  # {\an8} positioning in SRT files


def plain(text: str) -> str:
    """Cue text without styling tags and entities."""
    return html.unescape(_SSA.sub("", _TAG.sub("", text)))


def speaker_lines(lines: list[str], speaker: str | None = None) -> list[tuple[str | None, str]]:
    """(speaker, words) runs of a cue's lines; `speaker` is whoever the cue's markup already
    names (a `<v Name>` voice), which a prefix on a later line replaces."""
    runs: list[tuple[str | None, str]] = []
    for line in lines:
        found = _PREFIX.match(line)
        name = speaker_label(found["bracket"] or found["colon"]) if found else None
        if found and name:
            speaker, line = name, line[found.end() :]
        if runs and runs[-1][0] == speaker:
            runs[-1] = (speaker, f"{runs[-1][1]}\n{line}")
        else:
            runs.append((speaker, line))
    return runs
