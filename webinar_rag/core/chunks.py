"""A chunk: a window of sentences inside one turn, with where it came from.

Every chunk and every sentence keeps `start_char`/`end_char` into its document's text. A
sentence's text is exactly `text[start_char:end_char]`; a chunk's `text` is
`normalise(text[start:end])` (markdown marks dropped, white space folded). The id is a hash of
the document's name and the offsets, so re-ingesting the same text gives the same ids.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

# The kinds of answer a sentence can hold, found at ingest (ingest.entities).
KINDS = ("PERSON", "ORG", "DATE", "NUMBER", "PLACE")
# A speaker's own name-and-role line ("Name, Role, Organisation"): it says who speaks, so it
# answers "who" questions, and no others.
HEADING = "HEADING"


@dataclass(frozen=True)
class Sentence:
    start_char: int
    end_char: int
    # Part of a question (the question itself or the premise leading up to it): it asks,
    # it does not state, so it is never quoted as evidence for a fact.
    asks: bool = False
    # The kinds of answer it holds ("PERSON", "ORG", "DATE", "NUMBER", "PLACE", and HEADING
    # for a speaker's name-and-role line): found at ingest (ingest.entities).
    kinds: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Chunk:
    id: str
    source: str
    turn_index: int
    speaker: str | None
    affiliation: str | None
    start_char: int
    end_char: int
    text: str
    sentences: tuple[Sentence, ...]

    def embedding_text(self, speaker_prefix: bool) -> str:
        """What the embedder sees: the speaker's name and role give the words their context."""
        if not speaker_prefix:
            return self.text
        who = ", ".join(p for p in (self.speaker, self.affiliation) if p) or "Document"
        return f"{who}: {self.text}"


def chunk_id(source: str, start: int, end: int) -> str:
    """Stable across re-ingests: a hash of where the text sits, not of when it was read."""
    return hashlib.sha256(f"{source}:{start}:{end}".encode()).hexdigest()[:16]
