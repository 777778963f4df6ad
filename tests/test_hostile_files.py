"""Hostile transcript files beside good ones: a Word file whose document.xml inflates far past
its size (a zip bomb), JSON nested 100,000 deep. Each gets one line naming the file and the
problem, in bounded time and memory, and the rest of the batch is ingested."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from ingest import ingest
from ingest.readers import read_document
from tests.support.hostile_files import GOOD_VTT, deep_json, zip_bomb
from tests.support.seed import ROOT, settings_at
from webinar_rag.core import TranscriptFormatError
from webinar_rag.models import Embedder


def test_a_word_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    bomb = zip_bomb(tmp_path / "minutes.docx", 600)
    assert bomb.stat().st_size < 5_000_000
    # In a process that may not map more than 1 GB: unpacking 600 MB into python-docx and
    # lxml would not fit; refusing from the archive's directory does.
    script = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1_000_000_000, 1_000_000_000))\n"
        "from ingest.readers import read_document\n"
        "from webinar_rag.core import TranscriptFormatError\n"
        "try:\n"
        "    read_document(sys.argv[1])\n"
        "except TranscriptFormatError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(bomb)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.match(r"minutes\.docx inflates to 60\d MB when unpacked", done.stdout), done.stdout
    assert done.stdout.count("\n") == 1


def test_json_nested_100000_deep_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TranscriptFormatError, match=r"nested 100,000 levels deep"):
        read_document(deep_json(tmp_path / "segments.json"))
    lines = tmp_path / "turns.jsonl"
    lines.write_text('{"speaker": "A", "text": "hi"}\n' + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(TranscriptFormatError, match=r"nested 5,000 levels deep"):
        read_document(lines)


def test_brackets_inside_strings_are_not_nesting(tmp_path: Path) -> None:
    path = tmp_path / "chat.json"
    text = "[[[[ " * 50
    path.write_text(f'[{{"speaker": "Ana", "text": "{text}\\\\\\" still text"}}]', "utf-8")
    assert "still text" in read_document(path).text


@pytest.mark.slow
def test_hostile_files_beside_a_good_one_leave_the_good_one_ingested(
    tmp_path: Path, embedder: Embedder
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "standup.vtt").write_text(GOOD_VTT, encoding="utf-8")
    zip_bomb(corpus / "minutes.docx", 300)
    deep_json(corpus / "segments.json")
    report = ingest([corpus], settings_at(tmp_path / "index", corpus), embedder=embedder)
    assert set(report.sources) == {"standup.vtt"}
    failed = {f.name: f.error or "" for f in report.failed}
    assert set(failed) == {"minutes.docx", "segments.json"}
    assert re.match(r"minutes\.docx inflates to 30\d MB", failed["minutes.docx"])
    assert "nested 100,000 levels deep" in failed["segments.json"]
