"""Question files: JSON Lines, one object with a "question" (and maybe an "id") per line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from webinar_rag.core import QuestionFileError


def read_questions(path: Path) -> list[dict[str, Any]]:
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError as exc:
        raise QuestionFileError(f"No question file at {path}. Check the path.") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionFileError(f"Cannot read {path} ({exc}). Use a UTF-8 JSONL file.") from exc
    records = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionFileError(
                f"{path} line {n} is not JSON ({exc.msg}). Write one JSON object per line."
            ) from exc
        if not isinstance(record, dict) or not isinstance(record.get("question"), str):
            raise QuestionFileError(
                f'{path} line {n} has no "question" string. Each line needs '
                '{"question": "..."} and may have an "id".'
            )
        records.append(record)
    return records
