"""The sentences an overview chooses from: every sentence of the chosen documents (and
speaker) that states something, each once, in the order it was said, with the vector the
index already holds for it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.text import looks_like_instruction
from webinar_rag.core import HEADING, Chunk, Citation, Sentence
from webinar_rag.store import Store


@dataclass(frozen=True)
class Said:
    """One sentence of a document, with the chunk that holds it."""

    chunk: Chunk
    sentence: Sentence
    text: str
    order: int  # position in the documents' reading order
    title: bool = False  # the document's title, as a line of its text

    @property
    def speaker(self) -> str | None:
        return self.chunk.speaker

    @property
    def words(self) -> int:
        return len(self.text.split())

    @property
    def states(self) -> bool:
        """A line an overview may quote as a point: not a question, not a name-and-role
        line, not an instruction to a reader."""
        return not (
            self.title
            or self.sentence.asks
            or HEADING in self.sentence.kinds
            or looks_like_instruction(self.text)
        )

    def cite(self, n: int, store: Store) -> Citation:
        return Citation.of(n, self.chunk, self.sentence, store.sources[self.chunk.source])


def sentences_of(
    store: Store, documents: Sequence[str], speakers: frozenset[str] | None = None
) -> list[Said]:
    """The documents' sentences in reading order (documents in the order given), each once
    (chunks overlap by a sentence), only the `speakers`' when given."""
    rank = {name: i for i, name in enumerate(documents)}
    seen: set[tuple[str, int]] = set()
    found: list[tuple[tuple[int, int], Chunk, Sentence]] = []
    for chunk in store.chunks:
        if chunk.source not in rank or (speakers is not None and chunk.speaker not in speakers):
            continue
        for sentence in chunk.sentences:
            key = (chunk.source, sentence.start_char)
            if key in seen:
                continue
            seen.add(key)
            found.append(((rank[chunk.source], sentence.start_char), chunk, sentence))
    found.sort(key=lambda f: f[0])
    out = []
    for order, (_, chunk, sentence) in enumerate(found):
        source = store.sources[chunk.source]
        text = " ".join(source.text[sentence.start_char : sentence.end_char].split())
        title = chunk.speaker is None and text.rstrip(".") == " ".join(source.title.split())
        out.append(Said(chunk, sentence, text, order, title))
    return out


def vectors_of(store: Store, said: Sequence[Said]) -> np.ndarray:
    """The stored sentence vectors (unit length), one row per sentence."""
    if not said:
        return np.zeros((0, 0), np.float32)
    rows = [np.asarray(store.sentence_vector(s.chunk.source, s.sentence), np.float32) for s in said]
    return np.vstack(rows)
