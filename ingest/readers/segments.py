"""ASR and diarisation JSON: WhisperX / faster-whisper `{"segments": [...]}`, a JSON list or
JSON Lines of `{speaker, text, start?, end?}` turns (or `name`/`content`), and QMSum's meeting
files (`{"meeting_transcripts": [{"speaker", "content"}], ...}`).

QMSum turns are cleaned as its authors' notebook does (non-speech markers such as
`{disfmarker}` dropped, split punctuation "word ." re-attached). Like cues, consecutive turns
of one speaker merge into one turn; each source turn with words leaves a mark, so the k-th
QMSum turn with words is the k-th mark in the document (`qmsum_marks`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ingest.readers.base import Document, Utterance, assemble, decode
from webinar_rag.core import Mark, TranscriptFormatError

_MARKER = re.compile(r"\{\w+\}")  # {disfmarker}, {vocalsound}, {gap}, ...
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,?!;:%])")
_SPLIT_CONTRACTION = re.compile(r"\s+('(?:s|re|ve|ll|d|m|t)\b|n't\b)", re.IGNORECASE)
_WORD = re.compile(r"\w")
# JSON nesting read at most: WhisperX's words inside segments are four levels; a file nested
# 100,000 deep (hostile, or broken) would take a recursive parser past Python's stack.
MAX_DEPTH = 64
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")
_SHAPES = (
    'a {"segments": [...]} object (WhisperX, faster-whisper), a list or JSON Lines of '
    '{"speaker", "text", "start", "end"} turns, or a QMSum {"meeting_transcripts": [...]} file'
)


class JsonReader:
    name: str = "json"
    suffixes: tuple[str, ...] = (".json", ".jsonl")

    def sniff(self, head: str) -> bool:
        return head.lstrip("\ufeff \n\t").startswith(("{", "["))

    def read(self, path: Path, data: bytes) -> Document:
        text, encoding = decode(data, path.name)
        records = _records(text, path)
        utterances = [_utterance(r, n, path) for n, r in enumerate(records)]
        return assemble(
            utterances, name=path.name, title=path.stem, format=self.name, encoding=encoding
        )


def clean_qmsum(content: str) -> str:
    """Drop non-speech markers (as upstream's notebook does) and re-attach split punctuation;
    "" for a turn with no words."""
    text = _MARKER.sub(" ", content)
    text = _SPLIT_CONTRACTION.sub(r"\1", _SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(text.split())))
    return text.strip() if _WORD.search(text) else ""


def qmsum_marks(document: Document) -> list[Mark]:
    """One mark per QMSum turn with words, in order (a turn of one utterance has no marks)."""
    return [m for t in document.turns for m in t.marks or [(t.paragraphs[0][0], None, None, None)]]


def nesting(text: str) -> int:
    """How deep a JSON text's arrays and objects nest, counted in one pass without recursion
    (strings skipped), so a hostile file is refused before a parser recurses into it."""
    depth = deepest = 0
    for bracket in _BRACKETS.finditer(_STRINGS.sub('""', text)):
        depth += 1 if bracket.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _records(text: str, path: Path) -> list[dict[str, Any]]:
    """The turn objects of any accepted shape, QMSum's content already cleaned."""
    depth = nesting(text)
    if depth > MAX_DEPTH:
        raise _error(
            path,
            f"its JSON is nested {depth:,} levels deep where a transcript needs a handful "
            f"(at most {MAX_DEPTH} are read)",
        )
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as whole:
        if "\n" not in text.strip():
            raise _error(path, f"invalid JSON: {whole}") from whole
        data = []  # JSON Lines: one object a line
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                data.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise _error(path, f"line {number} is not JSON: {exc}") from exc
    if isinstance(data, dict) and isinstance(data.get("meeting_transcripts"), list):
        return [
            {**r, "text": clean_qmsum(str(r.get("content", "")))} if isinstance(r, dict) else r
            for r in data["meeting_transcripts"]
        ]
    if isinstance(data, dict) and isinstance(data.get("segments"), list):
        return list(data["segments"])
    if isinstance(data, dict) and _first(data, ("text", "content")) is not None:
        return [data]  # JSON Lines of one line
    if isinstance(data, list) and data:
        return data
    raise _error(path, "not a transcript shape")


def _utterance(record: Any, number: int, path: Path) -> Utterance:
    if not isinstance(record, dict):
        raise _error(path, f"entry {number} is {type(record).__name__}, not an object")
    words = _first(record, ("text", "content", "transcript"))
    if not isinstance(words, str):
        raise _error(path, f"entry {number} has no text (keys: {', '.join(record) or 'none'})")
    speaker = _first(record, ("speaker", "name", "speaker_name"))
    if speaker is not None and not isinstance(speaker, str | int):
        raise _error(path, f"entry {number} has a speaker that is not a name: {speaker!r}")
    times = [_first(record, keys) for keys in (("start", "start_time"), ("end", "end_time"))]
    for value in times:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise _error(path, f"entry {number} has a time that is not seconds: {value!r}")
    start, end = (float(v) if v is not None else None for v in times)
    return Utterance(str(speaker) if speaker is not None else None, words, start, end)


def _first(record: dict[str, Any], keys: Iterable[str]) -> Any:
    return next((record[k] for k in keys if record.get(k) is not None), None)


def _error(path: Path, problem: str) -> TranscriptFormatError:
    return TranscriptFormatError(
        f"{path.name} is not a transcript JSON ({problem}). Expected {_SHAPES}."
    )
