"""The index folder: built from the real corpus with the real model, loaded back, kept safe."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import stat
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import faiss
import numpy as np
import pytest
from conftest import settings_at
from test_corpus import LOG, VTT, corpus

from ingest import IngestSummary, chunk_turns, ingest, parse_transcript
from tests.support.seed import CORPUS_FILE, SOURCE, read_corpus, snapshot
from webinar_rag.core import (
    ChunkerSettings,
    IndexCorrupt,
    IndexMismatch,
    IndexNotFound,
    IndexWriteError,
)
from webinar_rag.models import Embedder
from webinar_rag.store import FILES, IndexParts, load_index
from webinar_rag.store.folder.reading import load_manifest


def leftovers(parent: Path, keep: str) -> list[str]:
    """Anything beside the index folder: temporary or set-aside folders a save left behind.
    The lock file stays on purpose (deleting it on release would race another ingest)."""
    return sorted(p.name for p in parent.iterdir() if p.name not in (keep, f".{keep}.lock"))


@pytest.mark.slow
def test_built_index_loads_back_with_the_same_chunks(
    built_index: tuple[Path, IngestSummary], embedder: Embedder
) -> None:
    index_dir, report = built_index
    assert not report.up_to_date
    assert report.sources == (SOURCE,)
    index = load_index(index_dir, expected_model=embedder.name)
    text = read_corpus()
    expected = chunk_turns(parse_transcript(text, SOURCE), text, ChunkerSettings())
    plain = [
        replace(c, sentences=tuple(replace(s, kinds=frozenset()) for s in c.sentences))
        for c in index.chunks
    ]
    assert plain == expected  # the chunks, plus the kinds of answer each sentence holds
    kinds = {text[s.start_char : s.end_char]: s.kinds for c in index.chunks for s in c.sentences}
    assert "DATE" in kinds["The AI act entered into force in August 2024."]
    assert len(index.chunks) == report.n_chunks == index.manifest.n_chunks
    assert index.chunk_vectors.ntotal == len(index.chunks)
    assert index.chunk_vectors.d == embedder.dimension == index.manifest.dimension
    assert index.sentence_vectors.ntotal == index.manifest.n_sentences
    assert index.manifest.model == embedder.name
    assert index.manifest.metric == "inner_product"
    assert index.manifest.normalized is True
    assert index.manifest.sources == {SOURCE: hashlib.sha256(text.encode()).hexdigest()}
    assert index.sources[SOURCE].text == text
    assert index.sources[SOURCE].turns == tuple(parse_transcript(text, SOURCE))
    # Stored vectors are unit length and are the model's embedding of what was indexed.
    vectors = index.chunk_vectors.reconstruct_n(0, index.chunk_vectors.ntotal)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    again = embedder.embed(
        [c.embedding_text(index.manifest.speaker_prefix) for c in index.chunks[:3]]
    )
    np.testing.assert_allclose(vectors[:3], again, atol=1e-4)


@pytest.mark.slow
def test_reingesting_the_unchanged_corpus_is_up_to_date(
    index_dir: Path, embedder: Embedder
) -> None:
    before = snapshot(index_dir)
    ids = [c.id for c in load_index(index_dir).chunks]
    settings = settings_at(index_dir)
    report = ingest([CORPUS_FILE], settings, embedder=embedder)
    assert report.up_to_date
    assert report.n_chunks == len(ids)
    assert snapshot(index_dir) == before  # nothing was rewritten
    assert [c.id for c in load_index(index_dir).chunks] == ids


@pytest.mark.slow
def test_a_changed_corpus_is_rebuilt(index_copy: Path, tmp_path: Path, embedder: Embedder) -> None:
    old = load_index(index_copy)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    changed = read_corpus() + "\n\nThe webinar closed with thanks to every panellist.\n"
    (corpus / SOURCE).write_text(changed, encoding="utf-8")
    settings = settings_at(index_copy, corpus)

    report = ingest([corpus], settings, embedder=embedder)

    assert not report.up_to_date
    new = load_index(index_copy, expected_model=embedder.name)
    assert new.manifest.sources == {SOURCE: hashlib.sha256(changed.encode()).hexdigest()}
    assert any("thanks to every panellist" in c.text for c in new.chunks)
    assert new.chunk_vectors.ntotal == len(new.chunks)
    # Ids are where the text sits: chunks before the change keep theirs.
    last_turn = max(c.turn_index for c in old.chunks)
    kept = {c.id for c in old.chunks if c.turn_index < last_turn}
    assert kept <= {c.id for c in new.chunks}
    assert leftovers(index_copy.parent, "index") == []
    # And now it is up to date again.
    assert ingest([corpus], settings, embedder=embedder).up_to_date


@pytest.mark.slow
def test_other_model_is_a_mismatch_naming_both_models(index_dir: Path) -> None:
    built_with = load_manifest(index_dir).model  # type: ignore[union-attr]
    with pytest.raises(IndexMismatch) as caught:
        load_index(index_dir, expected_model="paraphrase-other@0123456789ab")
    message = str(caught.value)
    assert built_with in message
    assert "paraphrase-other@0123456789ab" in message
    assert "ingest --rebuild" in message


def test_no_index_folder_is_index_not_found(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFound, match="webinar-rag ingest"):
        load_index(tmp_path / "nowhere")


@pytest.mark.slow
@pytest.mark.parametrize("missing", [f for f in FILES if f != "manifest.json"])
def test_a_missing_file_is_index_corrupt(index_copy: Path, missing: str) -> None:
    (index_copy / missing).unlink()
    with pytest.raises(IndexCorrupt) as caught:
        load_index(index_copy)
    assert missing in str(caught.value)
    assert "ingest --rebuild" in str(caught.value)


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 3])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "damage"),
    [
        ("index.faiss", _truncate),
        ("sentences.faiss", _truncate),
        ("chunks.jsonl", _truncate),
        ("sources.jsonl", _truncate),
        ("manifest.json", _truncate),
        ("manifest.json", lambda p: p.write_text('{"model": "x"}', encoding="utf-8")),
        ("chunks.jsonl", lambda p: p.write_text("", encoding="utf-8")),
        ("index.faiss", lambda p: p.write_bytes(b"not a faiss index")),
        ("bm25/data.csc.index.npy", lambda p: p.write_bytes(b"not an array")),
    ],
    ids=[
        "index.faiss-cut",
        "sentences.faiss-cut",
        "chunks-cut",
        "sources-cut",
        "manifest-cut",
        "manifest-fields",
        "chunks-empty",
        "index.faiss-garbage",
        "bm25-garbage",
    ],
)
def test_a_damaged_file_is_index_corrupt(
    index_copy: Path, name: str, damage: Callable[[Path], None]
) -> None:
    damage(index_copy / name)
    with pytest.raises(IndexCorrupt, match="ingest --rebuild"):
        load_index(index_copy)


@pytest.mark.slow
def test_a_failed_save_leaves_the_previous_index_intact(
    index_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(index_copy)
    index = load_index(index_copy)
    real_write = faiss.write_index
    calls: list[str] = []

    def write_then_fail(vectors: faiss.Index, path: str) -> None:
        calls.append(path)
        if len(calls) == 2:  # the first file is already on disk when the second one fails
            raise OSError(28, "No space left on device")
        real_write(vectors, path)

    monkeypatch.setattr(faiss, "write_index", write_then_fail)
    with pytest.raises(IndexWriteError, match=r"No space left.*previous index is unchanged"):
        index.save(index_copy)
    monkeypatch.undo()

    assert len(calls) == 2
    assert snapshot(index_copy) == before
    assert leftovers(index_copy.parent, "index") == []
    assert len(load_index(index_copy).chunks) == len(index.chunks)


@pytest.mark.slow
def test_a_crash_while_swapping_folders_restores_the_previous_index(
    index_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(index_copy)
    index = load_index(index_copy)
    real_replace = os.replace

    def fail_moving_new_in(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst) == index_copy and ".tmp-" in Path(src).name:
            raise OSError(5, "Input/output error")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", fail_moving_new_in)
    with pytest.raises(IndexWriteError, match="Input/output"):
        index.save(index_copy)
    monkeypatch.undo()

    assert snapshot(index_copy) == before
    assert leftovers(index_copy.parent, "index") == []
    load_index(index_copy)


@pytest.mark.slow
def test_the_index_folder_holds_json_and_faiss_never_pickle(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert sorted(p.name for p in index_dir.iterdir()) == sorted({f.split("/")[0] for f in FILES})
    for path in (p for p in index_dir.rglob("*") if p.is_file()):
        data = path.read_bytes()
        assert not data.startswith(b"\x80"), f"{path.name} looks like a pickle"
        assert path.suffix in {".faiss", ".json", ".jsonl", ".npy"}
        if path.name == "index.faiss":
            assert data[:3] == b"IxF"  # FAISS's own flat index format (chunk vectors)
        if path.name == "sentences.faiss":
            assert data[:4] == b"IxSQ"  # FAISS's scalar quantiser: float16 sentence vectors
        if path.suffix == ".npy":
            assert data[:6] == b"\x93NUMPY"
            np.load(path, allow_pickle=False)  # plain arrays, no object pickles inside
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert isinstance(manifest, dict)
    assert manifest["metric"] == "inner_product"
    for name in ("chunks.jsonl", "sources.jsonl"):
        lines = (index_dir / name).read_text(encoding="utf-8").splitlines()
        assert lines
        assert all(isinstance(json.loads(line), dict) for line in lines)

    def no_pickle(*args: object, **kwargs: object) -> None:
        raise AssertionError("the index must load without unpickling")

    monkeypatch.setattr(pickle, "load", no_pickle)
    monkeypatch.setattr(pickle, "loads", no_pickle)
    assert load_index(index_dir).chunks


@pytest.mark.slow
def test_copying_an_index_keeps_it_loadable(index_dir: Path, tmp_path: Path) -> None:
    """Offsets and paths inside the folder are relative to nothing: a copy works anywhere."""
    moved = tmp_path / "elsewhere" / "idx"
    shutil.copytree(index_dir, moved)
    assert load_index(moved).chunks == load_index(index_dir).chunks


@pytest.mark.slow
def test_a_saved_index_folder_respects_the_umask(index_dir: Path, tmp_path: Path) -> None:
    """mkdtemp makes private folders; the app may run as another user than `ingest` did."""
    index = load_index(index_dir)
    target = tmp_path / "saved"
    index.save(target)
    plain = tmp_path / "plain"
    plain.mkdir()
    assert stat.S_IMODE(target.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)


@pytest.mark.slow
def test_an_index_gives_back_each_document_with_its_own_rows(
    tmp_path: Path, embedder: Embedder
) -> None:
    """`Index.part` (what an unchanged file keeps, what `copy_index` moves) holds exactly one
    document's chunks and sentences with their stored vectors; `IndexParts` makes each on
    demand and agrees with it."""
    folder = corpus(tmp_path, review_vtt=VTT)
    (folder / "wind.txt").write_text(LOG, encoding="utf-8")
    settings = settings_at(tmp_path / "index", folder)
    ingest(None, settings, embedder=embedder)
    index = load_index(tmp_path / "index")
    names = sorted(index.sources)
    assert len(names) == 2
    parts = IndexParts(index, names)
    assert len(parts) == len(names) and len(parts[1:]) == len(names) - 1
    for name, part in zip(names, parts, strict=True):
        assert part.source.name == name
        rows = [r for r, c in enumerate(index.chunks) if c.source == name]
        assert part.chunks == [index.chunks[r] for r in rows]
        expected = np.stack([index.chunk_vectors.reconstruct(r) for r in rows])
        assert np.array_equal(part.chunk_vectors, expected)
        keys = [k for k in index.sentence_rows if k[0] == name]
        assert part.sentence_keys == keys
        for key, vector in zip(keys, part.sentence_vectors, strict=True):
            stored = index.sentence_vectors.reconstruct(index.sentence_rows[key])
            assert np.array_equal(vector, stored)
