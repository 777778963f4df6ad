"""A corpus of many documents: incremental ingest, one ingest at a time, crash recovery,
speaker identities, the document filter, and the corpus commands. Real model, real FAISS, small
transcripts written by the tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import settings_at

from ingest import identities, ingest, remove_documents
from retrieval import Assistant
from tests.support.seed import ROOT
from webinar_rag import cli
from webinar_rag.core import CorpusNotFound, IndexBusy, Settings, UnknownDocument
from webinar_rag.models import Embedder
from webinar_rag.store import load_index, lock_path
from webinar_rag.store.folder.lock import IndexLock

VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Olivia Brandt>Welcome to the budget review of the harbour project.

00:00:04.500 --> 00:00:09.000
<v Olivia Brandt>The harbour crane costs four million euros this year.

00:02:05.000 --> 00:02:09.000
<v Tom Okafor>I will send the revised tender documents on Monday.
"""
LOG = """Anna Berg: The wind farm permit was approved in March.
Ben Lund: Good. Who checks the noise report?
Anna Berg: Dr. Chen checks the noise report next week.
Dr. Chen: Yes, I will check the noise report by Friday.
CHEN: And I will share it with the council.
"""


def corpus(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name.replace("_", ".")).write_text(text, encoding="utf-8")
    return folder


def settings_for(tmp_path: Path, folder: Path) -> Settings:
    return settings_at(tmp_path / "index", folder)


@pytest.mark.slow
def test_incremental_ingest_reuses_unchanged_documents(tmp_path: Path, embedder: Embedder) -> None:
    folder = corpus(tmp_path, review_vtt=VTT, wind_txt=LOG)
    settings = settings_for(tmp_path, folder)
    first = ingest(None, settings, embedder=embedder)
    assert {f.name: f.status for f in first.files} == {"review.vtt": "new", "wind.txt": "new"}
    before = load_index(settings.index.index_dir)
    vtt_vectors = before.part("review.vtt").chunk_vectors

    (folder / "wind.txt").write_text(LOG + "Ben Lund: Thanks, all.\n", encoding="utf-8")
    (folder / "site.srt").write_text(
        "1\n00:00:01,000 --> 00:00:03,000\nMara Cole: The site visit is on Tuesday.\n\n",
        encoding="utf-8",
    )
    second = ingest(None, settings, embedder=embedder)
    statuses = {f.name: f.status for f in second.files}
    assert statuses == {"review.vtt": "unchanged", "wind.txt": "changed", "site.srt": "new"}
    after = load_index(settings.index.index_dir)
    assert np.array_equal(after.part("review.vtt").chunk_vectors, vtt_vectors)  # not re-embedded
    assert any("Thanks, all." in c.text for c in after.chunks)

    (folder / "site.srt").unlink()
    third = ingest(None, settings, embedder=embedder)
    assert {f.name: f.status for f in third.files}["site.srt"] == "removed"
    assert set(load_index(settings.index.index_dir).sources) == {"review.vtt", "wind.txt"}
    assert ingest(None, settings, embedder=embedder).up_to_date


@pytest.mark.slow
def test_a_bad_file_is_reported_and_the_rest_ingested(tmp_path: Path, embedder: Embedder) -> None:
    folder = corpus(tmp_path, review_vtt=VTT, broken_vtt="WEBVTT\n\nnot a cue at all -->\n")
    (folder / "scan.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    report = ingest(None, settings_for(tmp_path, folder), embedder=embedder)
    failed = {f.name: f.error for f in report.failed}
    assert set(failed) == {"broken.vtt", "scan.png"}
    assert all(name in str(error) for name, error in failed.items())
    assert report.sources == ("review.vtt",)


@pytest.mark.slow
def test_a_second_ingest_stops_with_a_clear_message(tmp_path: Path, embedder: Embedder) -> None:
    folder = corpus(tmp_path, review_vtt=VTT)
    settings = settings_for(tmp_path, folder)
    with IndexLock(settings.index.index_dir), pytest.raises(IndexBusy, match=r"PID \d+.*--wait"):
        ingest(None, settings, embedder=embedder)
    began = time.monotonic()
    with IndexLock(settings.index.index_dir), pytest.raises(IndexBusy):
        ingest(None, settings, embedder=embedder, wait=0.5)
    assert time.monotonic() - began >= 0.5  # it waited before giving up
    assert not settings.index.index_dir.exists()


@pytest.mark.slow
def test_a_lock_whose_process_died_does_not_block(tmp_path: Path, embedder: Embedder) -> None:
    folder = corpus(tmp_path, review_vtt=VTT)
    settings = settings_for(tmp_path, folder)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from webinar_rag.store.folder.lock import IndexLock\n"
            f"with IndexLock({str(settings.index.index_dir)!r}):\n"
            "    print('locked', flush=True); time.sleep(60)",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert lock_path(settings.index.index_dir).read_text().strip() == str(holder.pid)  # stale file
    assert not ingest(None, settings, embedder=embedder).up_to_date


@pytest.mark.slow
def test_a_swap_cut_between_its_renames_is_recovered(tmp_path: Path, embedder: Embedder) -> None:
    folder = corpus(tmp_path, review_vtt=VTT)
    settings = settings_for(tmp_path, folder)
    ingest(None, settings, embedder=embedder)
    aside = tmp_path / ".index.old-crash"
    os.replace(settings.index.index_dir, aside)  # what a crash between the two renames leaves
    (tmp_path / ".index.tmp-half").mkdir()  # and a half-written new folder
    assert load_index(settings.index.index_dir).sources.keys() == {"review.vtt"}  # read meanwhile
    assert ingest(None, settings, embedder=embedder).up_to_date
    assert settings.index.index_dir.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".index.lock", "corpus", "index"]


def test_speaker_names_are_one_identity_within_a_document() -> None:
    names = ["Makiko Tsuda", "Dr. Tsuda", "TSUDA", "John", "John Smith", "John Doe", "PERSON1"]
    found = identities([*names, "PERSON10", "makiko tsuda"])
    assert {found[n] for n in ("Dr. Tsuda", "TSUDA", "makiko tsuda")} == {"Makiko Tsuda"}
    assert found["John"] == "John"  # two Johns: not guessed
    assert found["PERSON1"] == "PERSON1" and found["PERSON10"] == "PERSON10"


@pytest.mark.slow
def test_the_document_filter_and_citation_times(tmp_path: Path, embedder: Embedder) -> None:
    folder = corpus(tmp_path, review_vtt=VTT, wind_txt=LOG)
    settings = settings_for(tmp_path, folder)
    ingest(None, settings, embedder=embedder)
    assistant = Assistant.load(settings)
    assert {t.speaker for t in assistant.store.sources["wind.txt"].turns} == {
        "Anna Berg",
        "Ben Lund",
        "Dr. Chen",  # "CHEN" is the same person
    }
    answer = assistant.ask("What does the harbour crane cost?", document="review")
    assert not answer.refused
    assert {h.chunk.source for h in answer.contexts} == {"review.vtt"}
    first = answer.citations[0]
    assert first.speaker == "Olivia Brandt" and first.start_time == 4.5 and first.end_time == 9.0
    assert first.document == "review"
    hits = assistant.search("noise report", document="wind.txt", k=3)
    assert hits and all(h.chunk.source == "wind.txt" for h in hits)
    with pytest.raises(UnknownDocument, match=r"No document matches 'minutes'.*review\.vtt"):
        assistant.ask("Who checks the noise report?", document="minutes")


@pytest.mark.slow
def test_cli_corpus_commands(
    tmp_path: Path, embedder: Embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = corpus(tmp_path, review_vtt=VTT, wind_txt=LOG)
    index = str(tmp_path / "index")
    assert cli.main(["ingest", str(folder), "--index", index]) == 0
    out = capsys.readouterr().out
    assert "review.vtt (vtt" in out and "wind.txt (log" in out and "2 document(s)" in out

    assert cli.main(["speakers", "--index", index]) == 0
    out = capsys.readouterr().out
    assert "Olivia Brandt" in out and "Dr. Chen" in out and "CHEN" not in out

    assert cli.main(["search", "tender documents", "-k", "1", "--index", index]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1. ") and "Tom Okafor [2:05]" in out

    assert cli.main(["ask", "When will Tom send the tender documents?", "--index", index]) == 0
    assert "Tom Okafor [2:05] (review)" in capsys.readouterr().out

    report = remove_documents(["wind.txt"], settings_at(Path(index), folder))
    assert report.sources == () and report.files[0].status == "removed"
    assert (folder / ".removed" / "wind.txt").is_file() and not (folder / "wind.txt").exists()
    assert cli.main(["corpus", "list", "--index", index]) == 0
    listed = capsys.readouterr().out
    assert "review.vtt" in listed and "wind.txt" not in listed
    assert cli.main(["ingest", str(folder), "--index", index]) == 0  # not brought back
    assert "1 document(s)" in capsys.readouterr().out

    assert cli.main(["corpus", "remove", "nothing.txt", "--index", index]) == 2
    assert "No document named 'nothing.txt'" in capsys.readouterr().err


@pytest.mark.slow
def test_a_changed_file_that_no_longer_reads_keeps_its_previous_version(
    tmp_path: Path, embedder: Embedder
) -> None:
    folder = corpus(tmp_path, review_vtt=VTT, wind_txt=LOG)
    settings = settings_for(tmp_path, folder)
    ingest(None, settings, embedder=embedder)
    (folder / "review.vtt").write_bytes(b"\x00\x01 not captions any more")
    report = ingest(None, settings, embedder=embedder)
    assert [f.name for f in report.failed] == ["review.vtt"]
    assert report.up_to_date  # nothing to write: the old version stays
    unchanged = {f.name: f for f in report.files}["wind.txt"]
    assert (unchanged.status, unchanged.speakers, unchanged.turns) == ("unchanged", 3, 5)
    assert unchanged.chunks > 0
    assert set(load_index(settings.index.index_dir).sources) == {"review.vtt", "wind.txt"}
    with pytest.raises(CorpusNotFound, match=r"Removing every document would leave .* empty"):
        remove_documents(["review.vtt", "wind.txt"], settings)
