"""Where the evaluation's inputs are, and how committed results name them.

Results are committed, so they name files relative to the repository root: the same on every
machine, with no virtualenv, home or checkout folder in them.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from eval.metrics import json_safe

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = ROOT / "eval" / "questions.jsonl"
# QMSum's val split, in the data folder shared beside the checkout.
QMSUM_VAL = ROOT.parent / "shared" / "data" / "qmsum" / "val"
QMSUM_TRAIN = ROOT.parent / "shared" / "data" / "qmsum" / "train"  # what the product learns from
# ELITR-Bench's dev split, kept zipped (password b"utter"): read in memory or extracted to /tmp.
ELITR_DEV = ROOT.parent / "shared" / "data" / "elitr-bench" / "elitr-bench-dev.zip"


def shown(path: Path | str) -> str:
    """`path` relative to the repository root when it lies in it or beside it
    (`eval/questions.jsonl`, `../shared/data/qmsum/val`); anywhere else, as given."""
    given = Path(os.path.abspath(path))  # symlinks kept: a data folder linked in beside
    for place in (given, given.resolve()):  # the checkout is named where it is linked
        if place.is_relative_to(ROOT.parent):
            return Path(os.path.relpath(place, ROOT)).as_posix()
    return str(path)


def save_text(path: Path, text: str) -> None:
    """Write a result file whole or not at all: a temporary file beside it, then one rename
    (an interrupted run leaves the committed file as it was)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def save_json(path: Path, data: Any, indent: int = 2) -> None:
    """`data` as JSON (NaN as null), written as `save_text` does."""
    save_text(path, json.dumps(json_safe(data), indent=indent, ensure_ascii=False) + "\n")


def print_json(data: Any, out: Path | None) -> None:
    """A benchmark's figures: printed, and with `out` saved there (`save_json`)."""
    print(json.dumps(json_safe(data), indent=2, ensure_ascii=False))
    if out is not None:
        save_json(out, data)


def write_results(out: Path | None, stem: str, text: str, summary: dict[str, Any]) -> None:
    """Print a benchmark's report; with `out`, also write `<stem>.md` and `<stem>.json` (NaN
    as null) there, the files that are committed."""
    print(text)
    if out is None:
        return
    save_text(out / f"{stem}.md", text)
    save_json(out / f"{stem}.json", summary, indent=1)


def qmsum_val_parser(prog: str, description: str | None) -> argparse.ArgumentParser:
    """The options of a run over QMSum val: the data, the index kept between runs (one for
    every such run, so the 35 meetings are embedded once), where the results go."""
    p = argparse.ArgumentParser(prog=prog, description=description)
    p.add_argument("--data", type=Path, default=QMSUM_VAL)
    p.add_argument("--work", type=Path, default=Path("build") / "qmsum-val")
    p.add_argument("--out", type=Path, default=Path("eval") / "results")
    return p
