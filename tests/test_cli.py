"""`webinar-rag`: the JSON contract, the human output, and one-line errors with no traceback."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.llm_server import LLM_ENV_VARS
from tests.support.seed import ANSWER_KEYS, ROOT, SOURCE, read_corpus, snapshot
from webinar_rag import cli
from webinar_rag.models import Embedder
from webinar_rag.store import load_index

BILL = "What does Japan's AI bill enforce?"
CITATION_KEYS = {
    "n",
    "speaker",
    "affiliation",
    "quote",
    "chunk_id",
    "source",
    "start_char",
    "end_char",
}
# issue 10: where a passage sits (document title; times or page where the format has them)
PLACE_KEYS = {"document", "start_time", "end_time", "page"}
CITATION_KEYS |= PLACE_KEYS
CONTEXT_KEYS = {"chunk_id", "speaker", "text", "score", "source", "start_char", "end_char"}
CONTEXT_KEYS |= PLACE_KEYS
TIMING_KEYS = {"retrieve", "generate", "total"}


@pytest.fixture(autouse=True)
def away_from_the_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A default path must never reach ./index or ./corpus of the working tree."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WEBINAR_RAG_INDEX", str(tmp_path / "default-index"))
    monkeypatch.setenv("WEBINAR_RAG_CORPUS", str(tmp_path / "default-corpus"))
    monkeypatch.delenv("WEBINAR_RAG_DEBUG", raising=False)
    for name in LLM_ENV_VARS:  # answers are the offline ones whatever the caller has set
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code: int, err: str) -> None:
    assert code != 0
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("webinar-rag: error:"), err


def check_answer_json(record: dict[str, Any], question: str) -> None:
    assert set(record) == ANSWER_KEYS
    assert record["question"] == question
    assert isinstance(record["answer"], str) and record["answer"]
    assert isinstance(record["refused"], bool)
    assert record["backend"] == "extractive"
    assert record["notice"] is None
    assert set(record["timings_ms"]) == TIMING_KEYS
    assert all(isinstance(v, int | float) for v in record["timings_ms"].values())
    text = read_corpus()
    for citation in record["citations"]:
        assert set(citation) == CITATION_KEYS
        assert citation["source"] == SOURCE
        assert citation["document"].startswith(
            "EU-Japan Digital Partnership Webinar"
        )  # its # title
        assert citation["start_time"] is None and citation["page"] is None  # a plain report
        assert text[citation["start_char"] : citation["end_char"]] == citation["quote"]
    for context in record["contexts"]:
        assert set(context) == CONTEXT_KEYS
        assert isinstance(context["score"], float)
        assert isinstance(context["start_char"], int) and isinstance(context["end_char"], int)


@pytest.mark.slow
def test_ask_json_prints_one_object_in_the_contract(
    capsys: pytest.CaptureFixture[str], index_dir: Path
) -> None:
    code, out, err = run(capsys, "ask", "--json", "--index", str(index_dir), BILL)
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    check_answer_json(record, BILL)
    assert record["id"] is None
    assert record["refused"] is False
    assert record["citations"]
    assert record["contexts"]


@pytest.mark.slow
def test_ask_json_questions_file_passes_ids_through(
    capsys: pytest.CaptureFixture[str], index_dir: Path, tmp_path: Path
) -> None:
    questions: list[dict[str, Any]] = [
        {"id": "q-a", "question": BILL},
        {"question": "What is the best recipe for chocolate cake?"},
        {"id": 7, "question": "What did Ichikawa say about Canada?"},
    ]
    file = tmp_path / "questions.jsonl"
    file.write_text("".join(json.dumps(q) + "\n" for q in questions), encoding="utf-8")
    code, out, err = run(
        capsys, "ask", "--json", "--questions", str(file), "--index", str(index_dir)
    )
    assert code == 0, err
    records: list[dict[str, Any]] = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 3
    assert [r["id"] for r in records] == ["q-a", None, 7]
    for record, question in zip(records, questions, strict=True):
        check_answer_json(record, question["question"])
    assert records[1]["refused"] is True
    assert records[1]["citations"] == []


@pytest.mark.slow
def test_ask_prints_cited_lines_for_people(
    capsys: pytest.CaptureFixture[str], index_dir: Path
) -> None:
    code, out, err = run(capsys, "ask", "--index", str(index_dir), BILL)
    assert code == 0, err
    assert err == ""
    lines = out.splitlines()
    assert lines[0].strip()
    assert "[1]" in lines[0]
    cited = [line for line in lines if re.match(r"^\[\d+\] ", line)]
    assert cited
    assert re.match(
        r"^\[1\] Makiko Tsuda, Director Secretariat of Science, Technology and Innovation "
        r'Policy, Cabinet Office: ".+"$',
        cited[0],
    ), cited[0]


@pytest.mark.slow
def test_ask_refusal_prints_no_citations(
    capsys: pytest.CaptureFixture[str], index_dir: Path
) -> None:
    code, out, _ = run(
        capsys, "ask", "--index", str(index_dir), "What is the best recipe for chocolate cake?"
    )
    assert code == 0
    assert not [line for line in out.splitlines() if re.match(r"^\[\d+\] ", line)]


# ---- errors: one line, non-zero, nothing else ------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "extra",
    [
        [""],
        ["   "],
        [],  # no question at all
        ["--speaker", "Nobody Atall", BILL],
        ["-k", "0", BILL],
    ],
    ids=["empty", "blank", "missing", "unknown-speaker", "k-zero"],
)
def test_ask_errors(capsys: pytest.CaptureFixture[str], index_dir: Path, extra: list[str]) -> None:
    code, out, err = run(capsys, "ask", "--json", "--index", str(index_dir), *extra)
    assert_one_line_error(code, err)
    assert out == ""


@pytest.mark.slow
def test_unknown_speaker_error_lists_the_speakers(
    capsys: pytest.CaptureFixture[str], index_dir: Path
) -> None:
    code, _, err = run(capsys, "ask", "--speaker", "Nobody Atall", "--index", str(index_dir), BILL)
    assert_one_line_error(code, err)
    assert "Nobody Atall" in err
    assert "Makiko Tsuda" in err


@pytest.mark.slow
@pytest.mark.parametrize(
    "content",
    [
        '{"id": 1, "question": "What is the AI Act?"}\n{not json\n',
        '{"id": 1, "question": "What is the AI Act?"}\n{"id": 2}\n',
        '["a list, not an object"]\n',
    ],
    ids=["not-json", "no-question", "not-an-object"],
)
def test_bad_questions_file(
    capsys: pytest.CaptureFixture[str], index_dir: Path, tmp_path: Path, content: str
) -> None:
    file = tmp_path / "bad.jsonl"
    file.write_text(content, encoding="utf-8")
    code, out, err = run(
        capsys, "ask", "--json", "--questions", str(file), "--index", str(index_dir)
    )
    assert_one_line_error(code, err)
    assert str(file) in err
    assert out == ""  # the file is checked before any question is answered


@pytest.mark.slow
def test_questions_file_with_a_byte_order_mark(
    capsys: pytest.CaptureFixture[str], index_dir: Path, tmp_path: Path
) -> None:
    """Notepad and Excel save UTF-8 with a BOM; transcripts accept it, so questions must too."""
    file = tmp_path / "bom.jsonl"
    file.write_bytes(b"\xef\xbb\xbf" + json.dumps({"id": 1, "question": BILL}).encode() + b"\n")
    code, out, err = run(
        capsys, "ask", "--json", "--questions", str(file), "--index", str(index_dir)
    )
    assert code == 0, err
    assert json.loads(out)["id"] == 1


def _other_model(path: Path) -> None:
    manifest = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(manifest | {"model": "other-model@000000000000"}), "utf-8")


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:100])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "damage"),
    [
        ("index.faiss", _truncate),
        ("manifest.json", lambda p: p.write_text("{ this is not json", encoding="utf-8")),
        ("chunks.jsonl", lambda p: p.unlink()),
        ("manifest.json", _other_model),
    ],
    ids=["truncated-faiss", "corrupt-manifest", "missing-chunks", "other-model"],
)
def test_ask_with_a_broken_index(
    capsys: pytest.CaptureFixture[str],
    index_copy: Path,
    name: str,
    damage: Callable[[Path], None],
) -> None:
    damage(index_copy / name)
    code, out, err = run(capsys, "ask", "--json", "--index", str(index_copy), BILL)
    assert_one_line_error(code, err)
    assert "ingest --rebuild" in err
    assert out == ""


def _bad_inputs(tmp_path: Path) -> dict[str, Path]:
    files = {
        "binary.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "latin1.md": "**Anna Berg, Director, Caf\u00e9 Office**\n\nOl\u00e9.\n".encode("latin-1"),
        "empty.md": b"",
        "blank.md": b"  \n\n\t\n",
    }
    paths = {}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths[name] = tmp_path / name
    (tmp_path / "no-transcripts").mkdir()
    (tmp_path / "no-transcripts" / "notes.pdf").write_bytes(b"%PDF-1.4")
    paths["no-transcripts"] = tmp_path / "no-transcripts"
    paths["missing"] = tmp_path / "does-not-exist"
    for folder in ("a", "b"):  # two transcripts with one name: citations could not tell them apart
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "same.md").write_text("**Anna Berg, Director, METI**\n\nHello.\n")
    paths["same-name"] = tmp_path / "b" / "same.md"
    return paths


@pytest.mark.slow
@pytest.mark.parametrize(
    "case", ["missing", "no-transcripts", "binary.md", "empty.md", "blank.md", "same-name"]
)
def test_ingest_errors_leave_the_index_untouched(
    capsys: pytest.CaptureFixture[str], index_copy: Path, tmp_path: Path, case: str
) -> None:
    """One line per bad file, naming it; a non-zero exit; the index as it was."""
    bad = _bad_inputs(tmp_path)[case]
    paths = [str(tmp_path / "a" / "same.md"), str(bad)] if case == "same-name" else [str(bad)]
    before = snapshot(index_copy)
    code, out, err = run(capsys, "ingest", *paths, "--index", str(index_copy))
    assert_one_line_error(code, err)
    named = {"no-transcripts": "notes.pdf", "missing": str(bad)}.get(case, bad.name)
    assert named in err
    assert out == "" or "up to date" in out  # a batch with no good file changes nothing
    assert snapshot(index_copy) == before
    parent = sorted(p.name for p in index_copy.parent.iterdir())
    assert parent in (["index"], [".index.lock", "index"])


@pytest.mark.slow
def test_a_cp1252_transcript_is_read_and_the_encoding_reported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, embedder: Embedder
) -> None:
    latin = _bad_inputs(tmp_path)["latin1.md"]
    index = tmp_path / "idx"
    code, out, err = run(capsys, "ingest", str(latin), "--index", str(index))
    assert code == 0, err
    assert "read as cp1252" in out
    assert "Café Office" in load_index(index).sources["latin1.md"].text


@pytest.mark.slow
def test_ingest_of_an_unchanged_corpus_reports_up_to_date(
    capsys: pytest.CaptureFixture[str], index_copy: Path
) -> None:
    before = snapshot(index_copy)
    code, out, err = run(capsys, "ingest", str(ROOT / "corpus"), "--index", str(index_copy))
    assert code == 0, err
    assert out.startswith("Index up to date at ")
    assert snapshot(index_copy) == before


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "webinar_rag.cli"],
        [str(Path(sys.executable).parent / "webinar-rag")],
    ],
    ids=["python-m-webinar_rag.cli", "console-script"],
)
def test_console_entry_reports_errors_in_one_line(command: list[str], tmp_path: Path) -> None:
    if not Path(command[0]).exists():
        pytest.skip(f"{command[0]} is not installed")
    missing = tmp_path / "missing.jsonl"
    result = subprocess.run(
        [
            *command,
            "ask",
            "--json",
            "--index",
            str(tmp_path / "index"),
            "--questions",
            str(missing),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert result.stdout == ""
    assert_one_line_error(result.returncode, result.stderr)
    assert str(missing) in result.stderr


def test_ingest_never_deletes_a_folder_that_is_not_an_index(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "keep.txt").write_text("my notes, not an index\n", encoding="utf-8")
    before = snapshot(folder)
    code, _, err = run(capsys, "ingest", str(ROOT / "corpus"), "--index", str(folder))
    assert "Traceback" not in err
    assert folder.is_dir()
    assert snapshot(folder) == before
    assert_one_line_error(code, err)
    assert "not an index folder" in err


@pytest.mark.parametrize("command", ["ask", "serve"])
def test_a_missing_index_is_an_error_and_nothing_is_built(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    """Loading loads: a mistyped --index names the folder and says to ingest, and no index
    appears there (building is asked for, with `webinar-rag ingest`)."""
    typo = tmp_path / "indx"
    from eval.local_llm import free_port

    extra = [BILL] if command == "ask" else ["--port", str(free_port())]
    argv = [command, "--index", str(typo), *extra]
    code, _, err = run(capsys, *argv)
    assert_one_line_error(code, err)
    assert str(typo) in err and "webinar-rag ingest" in err
    assert not typo.exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("WEBINAR_RAG_REFUSAL_THRESHOLD", "abc"),
        ("WEBINAR_RAG_REFUSAL_THRESHOLD", "7"),
        ("WEBINAR_RAG_LLM_TIMEOUT", "soon"),
        ("WEBINAR_RAG_LLM_RETRIES", "-1"),
    ],
)
def test_a_bad_environment_value_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    index_dir: Path,
    variable: str,
    value: str,
) -> None:
    monkeypatch.setenv(variable, value)
    code, out, err = run(capsys, "ask", "--index", str(index_dir), BILL)
    assert_one_line_error(code, err)
    assert variable in err and repr(value) in err
    assert out == ""
