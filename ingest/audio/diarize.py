"""Who spoke when: speaker embeddings over the speech, clustered into speakers.

Every 0.4 s of speech gets the voice encoder's embedding of the 1.6 s around it. The
embeddings are clustered by k-means into the number of speakers asked for, or, when none is,
into as many as the eigen-gap of their refined affinity matrix says (spectral clustering's
estimate; k-means then assigns windows better than the spectral labels did on the AMI clips
and synthetic dialogues, bench/results/diarization.json). Labels are smoothed
over time (a speaker holds the floor for more than 0.4 s), and the speech regions are cut where
the label changes. Where two people talk at once, the louder voice's label wins: each moment has
one speaker (overlap is not modelled).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from webinar_rag.models.voices import (
    SAMPLING_RATE,
    WINDOW_FRAMES,
    load_voice_encoder,
    mel_frames,
    normalise_loudness,
)

STEP = 0.4  # seconds between embeddings
FRAMES_PER_SECOND = 100
MAX_SPEAKERS = 7  # the most the count estimate gives (more with --speakers N)
MIN_WINDOWS = 8  # under ~3 s of speech: one speaker
# The count is estimated on at most this many windows (~7 min of speech): spectral clustering
# builds and decomposes an n x n matrix, minutes for an hour's 9,000 windows.
MAX_ESTIMATE = 1000
BATCH = 256  # windows embedded together
SMOOTH = 5  # windows in the majority vote that smooths labels (2 s)


@dataclass(frozen=True)
class Segment:
    """A stretch of speech with one speaker (0-based, numbered by first appearance)."""

    start: float
    end: float
    speaker: int


def window_centres(regions: Sequence[tuple[float, float]], duration: float) -> np.ndarray:
    """Where the embeddings are taken: every STEP seconds inside each speech region (one in the
    middle of a region too short for that)."""
    centres: list[float] = []
    for start, end in regions:
        n = max(1, round((end - start) / STEP))
        centres += [start + (i + 0.5) * (end - start) / n for i in range(n)]
    return np.clip(np.array(centres, dtype=np.float64), 0.0, max(duration, 0.0))


def embed(
    samples: np.ndarray, regions: Sequence[tuple[float, float]], threads: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """(window centres in seconds, their unit embeddings)."""
    duration = len(samples) / SAMPLING_RATE
    speech = np.zeros(len(samples), dtype=bool)
    for start, end in regions:
        speech[int(start * SAMPLING_RATE) : int(end * SAMPLING_RATE)] = True
    mel = mel_frames(normalise_loudness(samples, speech))
    if len(mel) < WINDOW_FRAMES:
        mel = np.pad(mel, ((0, WINDOW_FRAMES - len(mel)), (0, 0)))
    centres = window_centres(regions, duration)
    half = WINDOW_FRAMES // 2
    first = np.clip(np.round(centres * FRAMES_PER_SECOND).astype(int) - half, 0,
                    len(mel) - WINDOW_FRAMES)  # fmt: skip
    encoder = load_voice_encoder(threads)
    vectors = [np.zeros((0, 256), dtype=np.float32)]
    for i in range(0, len(first), BATCH):  # a batch of windows at a time: an hour is 9,000
        windows = np.stack([mel[f : f + WINDOW_FRAMES] for f in first[i : i + BATCH]])
        vectors.append(encoder.embed_windows(windows))
    return centres, np.concatenate(vectors)


def cluster(vectors: np.ndarray, speakers: int | None = None) -> np.ndarray:
    """A speaker label per embedding, numbered by first appearance: k-means into `speakers`
    clusters, or into as many as `estimate_speakers` finds."""
    n = len(vectors)
    k = speakers if speakers is not None else estimate_speakers(vectors)
    if n < 2 or k <= 1:
        return np.zeros(n, dtype=int)
    from sklearn.cluster import KMeans

    labels = KMeans(min(k, n), n_init=10, random_state=0).fit_predict(vectors)
    return _by_first_appearance(np.asarray(labels))


def estimate_speakers(vectors: np.ndarray) -> int:
    """How many voices: the largest eigen-gap of the refined affinity matrix (Wang et al.,
    "Speaker diarization with LSTM", ICASSP 2018, as the `spectralcluster` package implements
    it), between 2 and MAX_SPEAKERS. It cannot tell one voice from two: a recording of one
    speaker needs `--speakers 1`."""
    if len(vectors) < MIN_WINDOWS:
        return 1
    from spectralcluster import configs

    if len(vectors) > MAX_ESTIMATE:  # an even sample over time: the affinity matrix is n x n
        vectors = vectors[np.linspace(0, len(vectors) - 1, MAX_ESTIMATE).round().astype(int)]
    labels = configs.icassp2018_clusterer.predict(vectors.astype(np.float64))
    return int(min(MAX_SPEAKERS, len(set(np.asarray(labels).tolist()))))


def _by_first_appearance(labels: np.ndarray) -> np.ndarray:
    order = {int(label): i for i, label in enumerate(dict.fromkeys(labels.tolist()))}
    return np.array([order[int(x)] for x in labels], dtype=int)


def smooth(labels: np.ndarray, width: int = SMOOTH) -> np.ndarray:
    """A majority vote over `width` neighbouring windows (ties keep the window's own label)."""
    if len(labels) < 3 or width < 3:
        return labels
    half = width // 2
    out = labels.copy()
    for i in range(len(labels)):
        votes = np.bincount(labels[max(0, i - half) : i + half + 1])
        if votes.max() > votes[labels[i]]:
            out[i] = int(np.argmax(votes))
    return _by_first_appearance(out)


def segments(
    regions: Sequence[tuple[float, float]], centres: np.ndarray, labels: np.ndarray
) -> list[Segment]:
    """The speech regions cut where the label changes (half-way between two windows)."""
    found: list[Segment] = []
    for start, end in regions:
        inside = [i for i, c in enumerate(centres) if start <= c <= end]
        if not inside:
            continue
        cut = start
        for a, b in itertools.pairwise(inside):
            if labels[a] != labels[b]:
                middle = (centres[a] + centres[b]) / 2
                found.append(Segment(cut, middle, int(labels[a])))
                cut = middle
        found.append(Segment(cut, end, int(labels[inside[-1]])))
    merged: list[Segment] = []
    for s in found:  # touching segments of one speaker are one
        if merged and merged[-1].speaker == s.speaker and s.start - merged[-1].end < 1e-6:
            merged[-1] = Segment(merged[-1].start, s.end, s.speaker)
        else:
            merged.append(s)
    return merged


def diarize(
    samples: np.ndarray,
    regions: Sequence[tuple[float, float]],
    speakers: int | None = None,
    threads: int = 1,
) -> list[Segment]:
    """Who spoke when, over the given speech regions."""
    centres, vectors = embed(samples, regions, threads)
    labels = smooth(cluster(vectors, speakers))
    return segments(regions, centres, labels)
