"""A damaged index is named, not half-read: every file's sha256 is in the manifest and checked
at load; an incremental ingest rebuilds a damaged index from the files; a server keeps
answering from the index it has when a newer one does not load; a full disk or an unreadable
folder is one line that names the problem and the fix."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import faiss
import pytest
from conftest import settings_at

from ingest import ingest
from retrieval import Assistant
from tests.support.seed import CORPUS_FILE, ROOT, snapshot
from webinar_rag import cli
from webinar_rag.core import IndexCorrupt, Settings
from webinar_rag.models import Embedder
from webinar_rag.store import FILES, load_index
from webinar_rag.store.folder import files as index_folder
from webinar_rag.store.folder.index import stamp_of

pytestmark = pytest.mark.slow
BILL = "What does Japan's AI bill enforce?"


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def edit_a_speaker(path: Path) -> None:
    """Valid JSON with the same shape: only the checksum can tell."""
    lines = path.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[3])
    record["speaker"] = "Someone Else"
    lines[3] = json.dumps(record, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_the_manifest_holds_a_checksum_of_every_other_file(index_dir: Path) -> None:
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    files = {p.relative_to(index_dir).as_posix() for p in index_dir.rglob("*") if p.is_file()}
    assert set(manifest["checksums"]) == files - {"manifest.json"}
    assert {f for f in FILES if f != "manifest.json"} <= set(manifest["checksums"])


@pytest.mark.parametrize(
    ("name", "damage"), [("index.faiss", truncate), ("chunks.jsonl", edit_a_speaker)]
)
def test_a_damaged_file_is_named_with_the_fix(
    index_copy: Path, name: str, damage: object, capsys: pytest.CaptureFixture[str]
) -> None:
    damage(index_copy / name)  # type: ignore[operator]
    with pytest.raises(IndexCorrupt) as caught:
        load_index(index_copy)
    message = str(caught.value)
    assert f"{name} does not match the checksum" in message
    assert "run `webinar-rag ingest --rebuild`" in message.lower()
    assert "\n" not in message
    code = cli.main(["search", BILL, "--index", str(index_copy)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and name in err and "ingest --rebuild" in err


def test_a_load_that_races_a_swap_reads_the_new_folder(
    index_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files read half from the old folder and half from the new one fail their checksums;
    the load sees that the folder was swapped meanwhile and reads the new one whole."""
    index = load_index(index_copy)
    before = index.stamp
    real = index_folder.damaged
    raced: list[Path] = []

    def swapped_while_reading(path: Path, expected: dict[str, str]) -> str | None:
        if not raced:
            raced.append(path)
            index.save(index_copy)  # an ingest swaps its folder in under the reader
            return "index.faiss"
        return real(path, expected)

    monkeypatch.setattr(index_folder, "damaged", swapped_while_reading)
    loaded = load_index(index_copy)
    assert raced and loaded.stamp == stamp_of(index_copy) != before


def test_an_incremental_ingest_rebuilds_a_damaged_index(
    index_copy: Path, embedder: Embedder
) -> None:
    edit_a_speaker(index_copy / "chunks.jsonl")
    settings = settings_at(index_copy)
    report = ingest([CORPUS_FILE], settings, embedder=embedder)
    assert not report.up_to_date
    assert report.notes and "chunks.jsonl does not match the checksum" in report.notes[0]
    assert "Someone Else" not in (index_copy / "chunks.jsonl").read_text(encoding="utf-8")
    load_index(index_copy)


def test_a_server_keeps_answering_when_the_new_index_is_damaged(
    index_copy: Path, settings: Settings
) -> None:
    assistant = Assistant.load(settings.at_index(index_copy))
    before = assistant.ask(BILL).to_dict()
    damaged = index_copy.parent / "damaged"
    shutil.copytree(index_copy, damaged)
    truncate(damaged / "index.faiss")
    aside = index_copy.parent / "aside"
    index_copy.rename(aside)
    damaged.rename(index_copy)  # what a hand-made copy over the folder would do
    assert assistant.refreshed() is assistant
    assert assistant.ask(BILL).to_dict() | {"timings_ms": None} == before | {"timings_ms": None}
    load_index(aside).save(index_copy)  # a good index written over it is picked up
    assert assistant.refreshed() is not assistant


def test_a_full_disk_is_one_line_and_the_index_stays(
    index_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Simulated: the second file written hits ENOSPC (no filesystem can be filled here)."""
    before = snapshot(index_copy)
    calls: list[str] = []
    real = faiss.write_index

    def full(vectors: faiss.Index, path: str) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(vectors, path)

    monkeypatch.setattr(faiss, "write_index", full)
    code = cli.main(["ingest", str(CORPUS_FILE), "--index", str(index_copy), "--rebuild"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert "No space left on device" in err and "previous index is unchanged" in err
    assert snapshot(index_copy) == before
    assert sorted(p.name for p in index_copy.parent.iterdir()) == [".index.lock", "index"]


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs util-linux's setpriv")
def test_an_unreadable_index_folder_is_one_line(index_copy: Path) -> None:
    """Root reads everything: the CLI runs without the capabilities that let it (setpriv)."""
    index_copy.chmod(0)
    drop = "-dac_override,-dac_read_search"
    unprivileged = ["setpriv", f"--bounding-set={drop}", f"--inh-caps={drop}"]
    try:
        done = subprocess.run(
            [
                *unprivileged,
                sys.executable,
                "-m",
                "webinar_rag.cli",
                "ask",
                BILL,
                "--index",
                str(index_copy),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        index_copy.chmod(0o755)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "Cannot read the index" in done.stderr and "Permission denied" in done.stderr
    assert "chmod" in done.stderr
