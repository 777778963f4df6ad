"""A meeting overview: summary, what each speaker said, decisions, action items and topics,
every line a verbatim quote with its citation (one numbering for the whole overview).

`to_dict` is its JSON (`webinar-rag summary --json`, and what the index keeps), `markdown` its
export, `text(part)` the answer to a whole-meeting question.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from webinar_rag.core import Citation, Place, normalise

Part = Literal["overview", "summary", "speakers", "actions", "decisions", "topics"]
NO_ACTIONS = (
    "No action items: in these transcripts no one takes on or is given a task in so many words."
)
NO_DECISIONS = "No decisions: nothing in these transcripts is said to be decided or agreed."


@dataclass(frozen=True)
class Item:
    """An action item (`owner` will do `task`) or a decision, and the citation it rests on."""

    kind: str  # "action" or "decision"
    citation: int
    task: str
    owner: str | None = None
    assigned_by: str | None = None
    due: str | None = None
    request: int | None = None  # the request the task was taken from ("Could someone...?")

    @property
    def cites(self) -> tuple[int, ...]:
        """Its citations in the order said: the request it answers, then the item itself."""
        return (self.citation,) if self.request is None else (self.request, self.citation)

    @property
    def line(self) -> str:
        who = self.owner or ""
        if self.assigned_by:
            who += f" (asked by {self.assigned_by})"
        due = f" (due: {self.due})" if self.due else ""
        head = f"{who}: " if who else ""
        marks = "".join(f"[{n}]" for n in self.cites)
        return f"{head}{self.task}{due} {marks}"


@dataclass(frozen=True)
class Voice:
    """What one speaker contributed: their citations."""

    speaker: str
    affiliation: str | None
    citations: tuple[int, ...]


@dataclass(frozen=True)
class Topic:
    label: str
    document: str
    citation: int  # the segment's most central sentence
    start_time: float | None = None
    end_time: float | None = None
    page: int | None = None

    @property
    def where(self) -> str:
        return Place(self.document, self.start_time, self.end_time, self.page).where


@dataclass(frozen=True)
class Overview:
    documents: tuple[str, ...]  # file names
    speaker: str | None
    focus: str | None
    words: int  # the summary's word budget
    citations: tuple[Citation, ...]
    summary: tuple[int, ...]
    speakers: tuple[Voice, ...]
    actions: tuple[Item, ...]
    decisions: tuple[Item, ...]
    topics: tuple[Topic, ...]

    def cited(self, n: int) -> Citation:
        return self.citations[n - 1]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Overview:
        return cls(
            tuple(d["documents"]),
            d["speaker"],
            d["focus"],
            int(d["words"]),
            tuple(Citation(**c) for c in d["citations"]),
            tuple(d["summary"]),
            tuple(
                Voice(v["speaker"], v["affiliation"], tuple(v["citations"])) for v in d["speakers"]
            ),
            tuple(Item(**i) for i in d["actions"]),
            tuple(Item(**i) for i in d["decisions"]),
            tuple(Topic(**t) for t in d["topics"]),
        )

    def quote(self, n: int, with_speaker: bool = True) -> str:
        c = self.cited(n)
        text = f"{normalise(c.quote)} [{n}]"
        return f"{c.speaker or 'Document'}: {text}" if with_speaker else text

    def text(self, part: Part = "overview") -> str:
        """The answer to a whole-meeting question: that part, quotes cited `[n]`."""
        sections = {
            "summary": self._summary_lines,
            "speakers": self._speaker_lines,
            "decisions": self._decision_lines,
            "actions": self._action_lines,
            "topics": self._topic_lines,
        }
        if part != "overview":
            return "\n".join(sections[part]())
        blocks = [
            ("Summary", self._summary_lines()),
            ("Decisions", self._decision_lines() if self.decisions else []),
            ("Action items", self._action_lines() if self.actions else []),
        ]
        return "\n\n".join(f"{title}:\n" + "\n".join(lines) for title, lines in blocks if lines)

    def used(self, part: Part = "overview") -> list[int]:
        """The citation numbers `text(part)` quotes, in order."""
        found = {
            "summary": list(self.summary),
            "speakers": [n for v in self.speakers for n in v.citations],
            "decisions": [i.citation for i in self.decisions],
            "actions": [n for i in self.actions for n in i.cites],
            "topics": [t.citation for t in self.topics],
        }
        if part == "overview":
            return found["summary"] + found["decisions"] + found["actions"]
        return found[part]

    def restricted(self, part: Part) -> Overview:
        """Only what `text(part)` shows, its citations numbered 1..n in the order quoted."""
        used = list(dict.fromkeys(self.used(part)))
        new = {old: i for i, old in enumerate(used, start=1)}
        keep = set(new)
        return Overview(
            self.documents,
            self.speaker,
            self.focus,
            self.words,
            tuple(replace(self.cited(old), n=new[old]) for old in used),
            tuple(new[n] for n in self.summary if n in keep),
            tuple(
                Voice(v.speaker, v.affiliation, tuple(new[n] for n in v.citations if n in keep))
                for v in self.speakers
                if any(n in keep for n in v.citations)
            ),
            tuple(
                replace(i, citation=new[i.citation], request=new.get(i.request or 0))
                for i in self.actions
                if i.citation in keep
            ),
            tuple(
                replace(i, citation=new[i.citation]) for i in self.decisions if i.citation in keep
            ),
            tuple(replace(t, citation=new[t.citation]) for t in self.topics if t.citation in keep),
        )

    def markdown(self) -> str:
        """The whole overview as Markdown, each quote with its citation underneath."""
        titles = list(dict.fromkeys(c.document for c in self.citations)) or list(self.documents)
        lines = [f"# Overview: {', '.join(titles)}", ""]
        if self.speaker:
            lines += [f"Speaker: {self.speaker}", ""]
        lines += ["## Summary", ""] + [f"- {line}" for line in self._summary_lines()]
        lines += ["", "## Speakers", ""] + [f"- {line}" for line in self._speaker_lines()]
        lines += ["", "## Decisions", ""] + [f"- {line}" for line in self._decision_lines()]
        lines += ["", "## Action items", ""] + [f"- {line}" for line in self._action_lines()]
        lines += ["", "## Topics", ""] + [f"- {line}" for line in self._topic_lines()]
        lines += ["", "## Citations", ""]
        for c in self.citations:
            who = ", ".join(p for p in (c.speaker, c.affiliation) if p) or "Document"
            head = " ".join(p for p in (who, c.place.where, f"({c.document})") if p)
            lines.append(f'{c.n}. {head}: "{normalise(c.quote)}"')
        return "\n".join(lines) + "\n"

    def _summary_lines(self) -> list[str]:
        return [self.quote(n) for n in self.summary] or ["Nothing in these transcripts to sum up."]

    def _speaker_lines(self) -> list[str]:
        return [
            f"{v.speaker}: " + " ".join(self.quote(n, with_speaker=False) for n in v.citations)
            for v in self.speakers
        ]

    def _decision_lines(self) -> list[str]:
        return [self.quote(i.citation) for i in self.decisions] or [NO_DECISIONS]

    def _action_lines(self) -> list[str]:
        return [i.line for i in self.actions] or [NO_ACTIONS]

    def _topic_lines(self) -> list[str]:
        return [f"{t.label} {t.where}".rstrip() + f" [{t.citation}]" for t in self.topics]
