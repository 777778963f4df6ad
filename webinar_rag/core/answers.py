"""What a question gets back: the passages found, the quotes cited, the answer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from webinar_rag.core.chunks import Chunk, Sentence
from webinar_rag.core.document import Source

# The speaker-filter value for text that belongs to no speaker (titles, organisers, notes).
DOCUMENT = "document"


@dataclass(frozen=True)
class Place:
    """Where a passage sits: its document's title, and its time in the recording (seconds)
    or its page, when the document's format has them."""

    document: str
    start_time: float | None = None
    end_time: float | None = None
    page: int | None = None

    @classmethod
    def of(cls, source: Source, start: int, end: int) -> Place:
        turn = source.turn_at(start, end)
        if turn is None:
            return cls(source.label)
        _, start_time, end_time, page = turn.position(start)
        return cls(source.label, start_time, end_time, page)

    @property
    def where(self) -> str:
        """`[12:34]`, `[1:02:03]` or `p. 3`; empty when the format has neither."""
        if self.start_time is not None:
            return f"[{clock(self.start_time)}]"
        return f"p. {self.page}" if self.page is not None else ""


def clock(seconds: float) -> str:
    """12:34 for minutes and seconds, 1:02:03 past the hour."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk and its score (cosine similarity, higher is better)."""

    chunk: Chunk
    score: float
    place: Place

    def to_dict(self) -> dict[str, Any]:
        c = self.chunk
        return {
            "chunk_id": c.id,
            "speaker": c.speaker,
            "text": c.text,
            "score": round(float(self.score), 4),
            "source": c.source,
            "start_char": c.start_char,
            "end_char": c.end_char,
            **asdict(self.place),
        }


@dataclass(frozen=True)
class Citation:
    """A verbatim quote: `source_text[start_char:end_char] == quote`."""

    n: int
    speaker: str | None
    affiliation: str | None
    quote: str
    chunk_id: str
    source: str
    start_char: int
    end_char: int
    document: str = ""  # the document's title (`source` is its file name)
    start_time: float | None = None  # seconds into the recording, when the format has times
    end_time: float | None = None
    page: int | None = None  # 1-based, for paged formats

    @property
    def place(self) -> Place:
        return Place(self.document, self.start_time, self.end_time, self.page)

    @classmethod
    def of(cls, n: int, chunk: Chunk, sentence: Sentence, source: Source) -> Citation:
        """Cite one sentence of a chunk, verbatim from the text its offsets point into."""
        start, end = sentence.start_char, sentence.end_char
        place = Place.of(source, start, end)
        return cls(
            n=n,
            speaker=chunk.speaker,
            affiliation=chunk.affiliation,
            quote=source.text[start:end],
            chunk_id=chunk.id,
            source=chunk.source,
            start_char=start,
            end_char=end,
            document=place.document,
            start_time=place.start_time,
            end_time=place.end_time,
            page=place.page,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Responsible:
    """The person a "who" question asks for, by the quoted evidence: who will do it (a task
    taken on or assigned), or who did or is it, as another speaker names them
    (`according_to`: the speaker whose sentence has them as its subject)."""

    person: str
    assigned_by: str | None  # who asked them; None when they committed themselves
    citation: int  # the citation that shows it
    according_to: str | None = None  # the speaker who names them (not a task)

    @property
    def label(self) -> str:
        """How the answer introduces the quote: `Ana (asked by Ben)`, `Ana (according to
        Ben)`, or `Ana`."""
        if self.assigned_by:
            return f"{self.person} (asked by {self.assigned_by})"
        if self.according_to:
            return f"{self.person} (according to {self.according_to})"
        return self.person


@dataclass(frozen=True)
class Answer:
    """A cited answer, or a refusal; `to_dict` is the JSON contract."""

    question: str
    text: str
    refused: bool
    citations: tuple[Citation, ...]
    contexts: tuple[Hit, ...]
    timings_ms: dict[str, float] = field(default_factory=dict)
    backend: str = "extractive"
    notice: str | None = None
    # How well the best evidence matched (the score compared with the refusal threshold).
    confidence: float = 0.0
    # LLM claims that citation verification removed (no passage sentence supports them).
    removed_claims: tuple[str, ...] = ()
    # The question actually answered, when a follow-up was read in the light of the
    # conversation ("And the budget?" -> "Who approved the budget?"); else None.
    resolved: str | None = None
    # One quote per speaker, a line each: a question about what several speakers said.
    grouped: bool = False
    # For a question about who will do something: who, by which citation (empty otherwise, and
    # when the quotes do not settle who).
    responsible: tuple[Responsible, ...] = ()

    def to_dict(self, id: Any = None) -> dict[str, Any]:
        """The JSON contract of `webinar-rag ask --json`."""
        return {
            "id": id,
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "citations": [c.to_dict() for c in self.citations],
            "contexts": [h.to_dict() for h in self.contexts],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "backend": self.backend,
            "notice": self.notice,
            "resolved_question": self.resolved,
            "responsible": [asdict(r) for r in self.responsible],
        }
