"""Documents into their share of the index (`DocumentVectors`): cut into chunks, the answer
kinds of each sentence marked, every chunk and sentence embedded (or only the sentences, the
chunks' vectors pooled from them: ingest.pooling). Each distinct text is
embedded once (meetings repeat "Yeah." hundreds of times), and many documents share one
embedding pass and one entity pass.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence

import numpy as np
from tqdm import tqdm

from ingest.chunking import chunk_turns
from ingest.entities import annotate_many
from ingest.pooling import pooled_vectors, speaker_line
from webinar_rag.core import POOLED, Chunk, IngestSettings, Source
from webinar_rag.models import Embedder
from webinar_rag.store import DocumentVectors, SentenceKey

BLOCK = 256  # texts per call of the embedder


def embed_documents(
    embedder: Embedder,
    sources: Sequence[Source],
    settings: IngestSettings,
    progress: bool = False,
) -> dict[str, DocumentVectors]:
    """Cut each document into chunks and embed its chunks and sentences (or its sentences
    alone, the chunks' vectors pooled from them: `IngestSettings.chunk_vectors`)."""
    cut = [
        (source, *part)
        for source, part in zip(sources, cut_documents(sources, settings), strict=True)
    ]
    pooled = settings.chunk_vectors == POOLED
    speakers = (
        sorted({speaker_line(c) for _, chunks, _ in cut for c in chunks})
        if pooled and settings.speaker_prefix
        else []
    )
    texts = [
        ([] if pooled else [c.embedding_text(settings.speaker_prefix) for c in chunks])
        + [source.text[s:e] for _, s, e in keys]
        for source, chunks, keys in cut
    ]
    total = sum(map(len, texts)) + len(speakers)
    bar = tqdm(total=total, desc="embedding", unit="text", file=sys.stderr, disable=not progress)
    with bar:  # one call for all: ten thousand short files share their batches
        began = time.perf_counter()
        vectors = embed_unique(embedder, [t for ts in texts for t in ts] + speakers, bar)
        share = (time.perf_counter() - began) / max(1, len(vectors))  # seconds per text
    lines = dict(zip(speakers, vectors[len(vectors) - len(speakers) :], strict=True))
    parts: dict[str, DocumentVectors] = {}
    row = 0
    for (source, chunks, keys), own in zip(cut, texts, strict=True):
        mine = vectors[row : row + len(own)]
        row += len(own)
        if pooled:
            chunk_vectors = pooled_vectors(
                embedder, chunks, {k: i for i, k in enumerate(keys)}, mine, lines or None
            )
            sentence_vectors = mine
        else:
            chunk_vectors, sentence_vectors = mine[: len(chunks)], mine[len(chunks) :]
        parts[source.name] = DocumentVectors(
            source, chunks, chunk_vectors, keys, sentence_vectors, share * len(own)
        )
    return parts


def cut_documents(
    sources: Sequence[Source], settings: IngestSettings
) -> list[tuple[list[Chunk], list[SentenceKey]]]:
    """Each document's chunks (with their answer kinds) and its sentences' keys, in order; one
    pass of the entity model over all of them (ten thousand short files share its batches)."""
    annotated = annotate_many(
        [(chunk_turns(s.turns, s.text, settings.chunker), s.turns, s.text) for s in sources]
    )
    return [
        (
            chunks,
            list(
                dict.fromkeys(
                    (c.source, s.start_char, s.end_char) for c in chunks for s in c.sentences
                )
            ),
        )
        for chunks in annotated
    ]


def embed_unique(embedder: Embedder, texts: Sequence[str], bar: tqdm | None = None) -> np.ndarray:
    """Each distinct text embedded once, in order of length (batches carry little padding)."""
    unique = sorted(dict.fromkeys(texts), key=len)
    blocks = [np.zeros((0, embedder.dimension), dtype=np.float32)]
    for i in range(0, len(unique), BLOCK):
        blocks.append(embedder.embed(unique[i : i + BLOCK]))
        if bar is not None:
            bar.update(len(unique[i : i + BLOCK]))
    if bar is not None:
        bar.update(len(texts) - len(unique))
    row = {t: i for i, t in enumerate(unique)}
    return np.concatenate(blocks)[[row[t] for t in texts]]
