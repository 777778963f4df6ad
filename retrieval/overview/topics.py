"""Topics over a long meeting: where the talk turns, and what each stretch is about.

Boundaries are TextTiling's (Hearst, 1997) on the stored sentence vectors: the cosine between
the mean vectors of the `WINDOW` sentences before and after each gap, a boundary at each gap
whose depth (how far the cosine dips below the peaks on either side) is more than the mean
depth plus half its deviation, at least `MIN_SEGMENT` sentences apart. A segment's label is
its three most distinctive words (frequency in the segment times inverse segment frequency),
as spoken.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.overview.pool import Said
from retrieval.text import STOPWORDS, stem, words

WINDOW = 6
MIN_SEGMENT = 12
LABEL_WORDS = 3


@dataclass(frozen=True)
class Segment:
    first: int  # indices into the pool
    last: int
    label: str


def boundaries(vectors: np.ndarray) -> list[int]:
    """The gaps (a sentence index that starts a new segment) where the talk turns."""
    n = len(vectors)
    if n < 2 * MIN_SEGMENT:
        return []
    gaps = list(range(WINDOW, n - WINDOW + 1))
    cos = []
    for gap in gaps:
        a, b = vectors[gap - WINDOW : gap].mean(0), vectors[gap : gap + WINDOW].mean(0)
        cos.append(float(a @ b) / ((float(np.linalg.norm(a)) * float(np.linalg.norm(b))) or 1.0))
    sims = np.asarray(cos)
    depth = np.zeros(len(sims))
    for i in range(len(sims)):
        # the peaks nearest on each side (TextTiling climbs while the cosine rises)
        j = i
        while j > 0 and sims[j - 1] >= sims[j]:
            j -= 1
        k = i
        while k < len(sims) - 1 and sims[k + 1] >= sims[k]:
            k += 1
        left, right = sims[j], sims[k]
        depth[i] = (left - sims[i]) + (right - sims[i])
    bar = depth.mean() + 0.5 * depth.std()
    chosen: list[int] = []
    for i in (int(j) for j in np.argsort(-depth)):
        if depth[i] <= bar:
            break
        g = gaps[i]
        if g < MIN_SEGMENT or n - g < MIN_SEGMENT:
            continue
        if all(abs(g - c) >= MIN_SEGMENT for c in chosen):
            chosen.append(g)
    return sorted(chosen)


def segments(said: Sequence[Said], vectors: np.ndarray) -> list[Segment]:
    """The meeting in segments, each with a label; one segment for a short meeting."""
    if not said:
        return []
    cuts = [0, *boundaries(vectors), len(said)]
    spans = [(a, b - 1) for a, b in itertools.pairwise(cuts)]
    counts = [_stems(said[a : b + 1]) for a, b in spans]
    present = Counter(t for c in counts for t in c[0])
    out = []
    for (a, b), (freq, surface) in zip(spans, counts, strict=True):
        score = {t: f * math.log((1 + len(spans)) / present[t]) + f * 1e-3 for t, f in freq.items()}
        top = sorted(score, key=lambda t: (-score[t], t))[:LABEL_WORDS]
        out.append(Segment(a, b, ", ".join(surface[t].most_common(1)[0][0] for t in top)))
    return out


def _stems(said: Sequence[Said]) -> tuple[Counter[str], dict[str, Counter[str]]]:
    freq: Counter[str] = Counter()
    surface: dict[str, Counter[str]] = {}
    for s in said:
        for w in words(s.text):
            if w in STOPWORDS or len(w) < 3 or w.isdigit():
                continue
            t = stem(w)
            freq[t] += 1
            surface.setdefault(t, Counter())[w] += 1
    return freq, surface
