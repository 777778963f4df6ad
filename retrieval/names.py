"""Speaker names written in another script: 山田 is Yamada, ミュラー is Müller.

A question in Japanese writes the transcript's names in kanji or katakana. Its Japanese runs are
read out in Hepburn romaji (pykakasi: kanji by their dictionary reading), and each word is
compared with the names' words by how they sound, since katakana has no l/r, c/k or double
letters and marks long vowels (`kooheii`): both sides are folded that way, then compared with
rapidfuzz's similarity ratio.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

from retrieval.text import fold

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]+")
_LETTERS = re.compile(r"[a-z]+")
_SOUND = (("ph", "f"), ("th", "s"), ("c", "k"), ("q", "k"), ("x", "ks"), ("l", "r"), ("v", "b"))
_LONG = (("ou", "o"), ("uu", "u"), ("aa", "a"), ("ii", "i"), ("oo", "o"))
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _kakasi() -> Any:
    import pykakasi

    return pykakasi.kakasi()


# Role words a Japanese question uses for people on a panel, as the English role words.
ROLES = {"司会者": "moderator", "司会": "moderator", "議長": "chair", "教授": "professor"}


def romanised_words(text: str) -> list[str]:
    """The words of the text's Japanese runs, in romaji, in reading order; role words
    (司会, 議長, 教授) as their English counterparts."""
    found: list[str] = []
    for run in _CJK.findall(text):
        for japanese, english in ROLES.items():
            run = run.replace(japanese, f"・{english}・")
        with _lock:  # one converter object, not meant for two threads at once
            parts = _kakasi().convert(run)
        for part in parts:
            found += _LETTERS.findall(str(part["hepburn"]).lower())
    return found


def sound(word: str) -> str:
    """A word folded to how it would come back from katakana."""
    w = fold(word)
    for a, b in _SOUND:
        w = w.replace(a, b)
    w = re.sub(r"([a-z])\1+", r"\1", w)
    for a, b in _LONG:
        w = w.replace(a, b)
    return w


def sounds_like(romaji: str, name_word: str, min_ratio: float = 80.0) -> bool:
    """Is this romaji word that name's word? Short words (particles, honorifics) never are."""
    a, b = sound(romaji), sound(name_word)
    return len(a) >= 4 and len(b) >= 4 and fuzz.ratio(a, b) >= min_ratio
