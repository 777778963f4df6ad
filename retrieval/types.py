"""Types that leave the retrieval package: what was found, what is quoted, what is answered."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ingest.chunks import Chunk, Sentence

# The speaker-filter value for text that belongs to no speaker (titles, organisers, notes).
DOCUMENT = "document"


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk and its score (cosine similarity, higher is better)."""

    chunk: Chunk
    score: float

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

    @classmethod
    def of(cls, n: int, chunk: Chunk, sentence: Sentence, source_text: str) -> Citation:
        """Cite one sentence of a chunk, verbatim from the text its offsets point into."""
        start, end = sentence.start_char, sentence.end_char
        return cls(
            n=n,
            speaker=chunk.speaker,
            affiliation=chunk.affiliation,
            quote=source_text[start:end],
            chunk_id=chunk.id,
            source=chunk.source,
            start_char=start,
            end_char=end,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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
        }
