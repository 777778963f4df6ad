"""Hostile transcript files, made small on disk: a Word document whose document.xml inflates
far past its size (a zip bomb) and JSON nested 100,000 deep. Used by tests/test_hostile_files.py
and by `python -m bench.reliability` (its files section)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx

GOOD_VTT = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Ana>The harbour crane is fixed.\n"


def zip_bomb(path: Path, inflated_mb: int) -> Path:
    """A real Word document whose document.xml is padded to `inflated_mb` MB of blanks, which
    deflate to almost nothing (written in pieces: the test itself stays small)."""
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    member = zipfile.ZipInfo("word/document.xml")
    member.compress_type = zipfile.ZIP_DEFLATED
    with (
        zipfile.ZipFile(buffer) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for item in source.infolist():
            data = source.read(item)
            if item.filename != member.filename:
                bomb.writestr(item, data)
                continue
            with bomb.open(member, "w", force_zip64=True) as part:
                head, tail = data.split(b"<w:body>", 1)
                part.write(head + b"<w:body>")
                for _ in range(inflated_mb):
                    part.write(b" " * 1_000_000)
                part.write(tail)
    return path


def deep_json(path: Path, depth: int = 100_000) -> Path:
    path.write_text("[" * depth + "]" * depth, encoding="utf-8")
    return path
