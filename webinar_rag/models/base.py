"""The embedder contract: `embed` for stored text (passages, sentences, claims), `embed_query`
for questions; vectors are normalised, so an inner product is a cosine similarity."""

from __future__ import annotations

from functools import cached_property

import numpy as np


class Embedder:
    """`embed` for stored text (passages, sentences, claims); `embed_query` for questions."""

    path: str
    name: str  # recorded in the index manifest; a mismatch at load time is an error
    dimension: int

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        raise NotImplementedError

    def embed_query(self, text: str, across_languages: bool = False) -> np.ndarray:
        """A question's vector. `across_languages`: the question is in another language than
        the transcripts; an ensemble then leaves out the models that cannot match across
        languages (their similarity would be noise)."""
        raise NotImplementedError

    @property
    def blocks(self) -> list[slice]:
        """Where each model's part of a vector lies (one block for a single model), so a
        judge can read each model's own cosine from the stored and the question's vectors."""
        return [slice(0, self.dimension)]

    @cached_property
    def cross_lingual(self) -> bool:
        """Does the model place a sentence and its translation together? Probed once: each
        English sentence below must be closest to its own Japanese or Chinese translation
        among all six translations. They share one topic and no names or numbers, so only
        meaning can pair them (measured: multilingual e5 6/6, all-MiniLM-L6-v2 fewer)."""
        english = self.embed([a for a, _ in CROSS_LINGUAL_PROBE])
        translated = self.embed([b for _, b in CROSS_LINGUAL_PROBE])
        similarity = english @ translated.T
        return bool((similarity.argmax(axis=1) == np.arange(len(english))).all())


# Sentences and their translations, for the probe above (written for it, not from a corpus).
CROSS_LINGUAL_PROBE = (
    ("The meeting was moved to next week.", "会議は来週に延期された。"),
    ("We need more money for the new project.", "新しいプロジェクトにはもっと資金が必要だ。"),
    ("She will send the report tomorrow morning.", "彼女は明日の朝に報告書を送る。"),
    ("The law does not include any penalties.", "その法律には罰則が含まれていない。"),
    ("Our company works closely with universities.", "我们公司与大学密切合作。"),
    ("The weather was too cold for the outdoor event.", "天气太冷，户外活动无法进行。"),
)
