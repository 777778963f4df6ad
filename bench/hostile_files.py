"""Hostile files beside a good one, measured: `webinar-rag ingest` of a folder holding one
hostile file and one good caption file, as a user runs it (a process of its own), against the
good file alone in the same run. Per case: seconds, the process's peak resident memory (and
both as ratios to the good file alone), the exit code, the line it printed for the hostile
file, and whether the good file was ingested. The `files` section of `python -m
bench.reliability` (`--only files` runs it alone); tests/test_hostile_files.py asserts the
same behaviour on smaller files.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BOMB_MB = 2000  # the inflated size of the Word file's document.xml (the 2 GB)


def cases() -> dict[str, Callable[[Path], Path] | None]:
    from tests.support.hostile_files import deep_json, zip_bomb

    return {
        "the good file alone (baseline)": None,
        f"a Word file whose document.xml inflates to {BOMB_MB:,} MB": lambda d: zip_bomb(
            d / "minutes.docx", BOMB_MB
        ),
        "JSON nested 100,000 deep": lambda d: deep_json(d / "segments.json"),
    }


def measure(work: Path) -> list[dict[str, Any]]:
    from tests.support.hostile_files import GOOD_VTT

    rows = []
    for n, (name, make) in enumerate(cases().items()):
        corpus = work / f"case-{n}" / "corpus"
        corpus.mkdir(parents=True)
        (corpus / "standup.vtt").write_text(GOOD_VTT, encoding="utf-8")
        hostile = make(corpus) if make else None
        rows.append(
            {"case": name, "file_mb": _mb(hostile)} | _ingest(corpus, work / f"case-{n}" / "index")
        )
        print(f"{name}: {rows[-1]['seconds']:.1f} s, {rows[-1]['peak_mb']:.0f} MB", flush=True)
    base = rows[0]
    for row in rows:
        row["seconds_ratio"] = round(row["seconds"] / base["seconds"], 2)
        row["peak_ratio"] = round(row["peak_mb"] / base["peak_mb"], 2)
    return rows


def _mb(path: Path | None) -> float | None:
    return round(path.stat().st_size / 1e6, 1) if path else None


def _ingest(corpus: Path, index: Path) -> dict[str, Any]:
    """One `webinar-rag ingest` process: its wall time, peak RSS (wait4), exit code, output."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    began = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "webinar_rag.cli", "ingest", str(corpus), "--index", str(index)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - began
    errors = [line for line in output.splitlines() if line.startswith("webinar-rag: error:")]
    return {
        "seconds": round(seconds, 1),
        "peak_mb": round(usage.ru_maxrss / 1024, 1),  # kilobytes on Linux
        "code": proc.returncode,
        "error": errors[0] if errors else "",
        "good_ingested": "standup.vtt" in output and "new" in output,
        "traceback": "Traceback" in output,
    }


def markdown(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## Hostile files beside a good one",
        "",
        "`webinar-rag ingest` of a folder with one hostile file and one good caption file, "
        "each a process of its own (peak resident memory from `wait4`), against the good file "
        "alone in the same run. The process loads the embedding models either way.",
        "",
        "| case | file MB | exit | seconds | peak MB | seconds / baseline | peak / baseline "
        "| good file ingested | traceback | the line it printed |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for r in rows:
        size = "" if r["file_mb"] is None else f"{r['file_mb']:.1f}"
        error = r["error"].replace("|", "\\|")
        lines.append(
            f"| {r['case']} | {size} | {r['code']} | {r['seconds']:.1f} | {r['peak_mb']:.0f} | "
            f"{r['seconds_ratio']:.2f} | {r['peak_ratio']:.2f} | "
            f"{'yes' if r['good_ingested'] else 'no'} | {'yes' if r['traceback'] else 'no'} | "
            f"{error or '(none)'} |"
        )
    return [*lines, ""]
