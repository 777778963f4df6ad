"""bench/archive.py's resampling: whole real turns moved into new documents keep what the
product expects of a chunk (its text is the normalised text at its offsets), of a sentence key
(it points into the new text) and of the vectors (the source chunk's own). No model: the
source index is cut by the product's chunker from hand-written meetings, with random vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.archive_build import catalogue, parts, plan
from ingest.chunking import chunk_turns
from webinar_rag.core import ChunkerSettings, Manifest, Source, Turn, chunk_id, normalise
from webinar_rag.store.base import DocumentVectors
from webinar_rag.store.folder.index import Index
from webinar_rag.store.folder.reading import load

DIM = 8


def _meeting(number: int, rng: np.random.Generator) -> tuple[Source, list[str]]:
    pieces: list[str] = []
    turns: list[Turn] = []
    pos = 0
    name = f"meeting-{number}.txt"
    for k in range(12):
        speaker = ("Alice Tanaka", "Bob Weber", "Chair")[k % 3]
        said = " ".join(
            f"Meeting {number} turn {k} point {j} is about topic {rng.integers(1000)}."
            for j in range(4)
        )
        head = f"{speaker}: "
        turns.append(
            Turn(
                name,
                k,
                speaker,
                "Initech" if k % 3 == 0 else None,
                pos,
                pos + len(head) + len(said),
                ((pos + len(head), pos + len(head) + len(said)),),
                (pos, pos + len(speaker)),
                start_time=float(k),
                marks=((pos + len(head), float(k), float(k) + 1, None),),
            )
        )
        pieces.append(head + said)
        pos += len(head) + len(said) + 2
    text = "\n\n".join(pieces)
    return Source(name, f"{number:064d}", text, tuple(turns), title=name, format="log"), pieces


def _source_index(tmp: Path) -> Path:
    rng = np.random.default_rng(1)
    made = []
    for number in range(3):
        source, _ = _meeting(number, rng)
        chunks = chunk_turns(source.turns, source.text, ChunkerSettings(max_chars=120))
        keys = list(
            dict.fromkeys((c.source, s.start_char, s.end_char) for c in chunks for s in c.sentences)
        )
        made.append(
            DocumentVectors(
                source,
                chunks,
                rng.standard_normal((len(chunks), DIM)).astype(np.float32),
                keys,
                rng.standard_normal((len(keys), DIM)).astype(np.float32),
            )
        )
    manifest = Manifest("test-model", DIM, {"max_chars": 120}, True, {}, 0, 0)
    Index.build(manifest, made, ann_threshold=10**9).save(tmp / "source")
    return tmp / "source"


def test_resampled_archive_keeps_offsets_texts_and_vectors(tmp_path: Path) -> None:
    source_path = _source_index(tmp_path)
    original = load(source_path)
    chunk_vector = {
        c.text: original.chunk_vectors.reconstruct(r) for r, c in enumerate(original.chunks)
    }
    sentence_vector = {
        original.sources[k[0]].text[k[1] : k[2]]: original.sentence_vectors.reconstruct(r)
        for k, r in original.sentence_rows.items()
    }
    cat = catalogue([source_path])
    archive = parts(cat, plan(cat, 300, seed=3), scratch=tmp_path / "scratch")
    assert sum(len(p.chunks) for p in archive.parts) >= 300
    assert archive.source_meetings == 3
    for part in archive.parts:
        src = part.source
        assert src.name.startswith("archive-")
        assert all(t.source == src.name for t in src.turns)
        keys = set(part.sentence_keys)
        assert len(keys) == len(part.sentence_keys) == len(part.sentence_vectors)
        for row, c in enumerate(part.chunks):
            assert c.source == src.name
            assert c.text == normalise(src.text[c.start_char : c.end_char])
            assert c.id == chunk_id(src.name, c.start_char, c.end_char)
            turn = src.turns[c.turn_index]
            assert (turn.speaker, turn.affiliation) == (c.speaker, c.affiliation)
            assert turn.start_char <= c.start_char < c.end_char <= turn.end_char
            assert turn.heading is not None
            assert src.text[turn.heading[0] : turn.heading[1]] == turn.speaker
            np.testing.assert_array_equal(part.chunk_vectors[row], chunk_vector[c.text])
            assert {(src.name, s.start_char, s.end_char) for s in c.sentences} <= keys
        for (name, start, end), vector in zip(
            part.sentence_keys, part.sentence_vectors, strict=True
        ):
            assert name == src.name
            np.testing.assert_array_equal(vector, sentence_vector[src.text[start:end]])
    index = Index.build(cat.manifest, archive.parts, ann_threshold=10**9)
    index.save(tmp_path / "archive")
    again = load(tmp_path / "archive")
    assert len(again.chunks) == sum(len(p.chunks) for p in archive.parts)
    assert set(again.sources) == {p.source.name for p in archive.parts}
