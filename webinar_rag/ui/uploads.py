"""Files uploaded through the page, into the corpus folder and nowhere else.

Only an upload's base name is used ("../../x.vtt" is saved as "x.vtt" in the folder); an empty
or hidden name, or one with control characters, is refused. A name already in the corpus or the
index, with other bytes, is refused unless the caller asks to replace it: the old file then
moves to `<corpus>/.removed/` (as `remove_documents` moves removed files), so nothing is
deleted. A file lands under its name in one `os.replace`, so an ingest running beside never
reads half of it. Gradio's temporary copy of every upload is deleted, saved or refused: an
upload lives in the corpus folder or nowhere.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ingest import TRANSCRIPT_SUFFIXES

REMOVED = ".removed"  # where `remove_documents` moves a removed file; replaced ones go too
MAX_NAME_BYTES = 200  # under the usual 255, leaving room for the ".NAME.uploading" copy
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Saved:
    """What became of one upload: "saved" (new or replacing `backup`), "same" (the corpus
    already holds these bytes under that name) or "refused" (`message` says why)."""

    name: str
    status: str
    message: str = ""
    backup: Path | None = None  # the replaced file, in .removed/, to restore if the new fails


def corpus_name(raw: str) -> str:
    """The name an upload gets in the corpus folder: its base name, whatever folders a browser
    or client put before it (either kind of slash); ValueError says why a name is refused."""
    name = re.split(r"[\\/]", raw or "")[-1].strip()
    if not name:
        raise ValueError(f"{raw!r} has no file name; give the file a name and upload it again.")
    if name.startswith("."):
        raise ValueError(
            f"{name!r} is a hidden name (it starts with a dot), which the corpus ignores; "
            "rename the file and upload it again."
        )
    if _CONTROL.search(name):
        raise ValueError(f"{name!r} has control characters in its name; rename the file.")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise ValueError(f"{name[:40]!r}… is too long a name; shorten it to upload the file.")
    return name


def save(
    uploads: Iterable[tuple[str, Path]],
    corpus: Path,
    indexed: Mapping[str, str],
    replace: bool = False,
) -> list[Saved]:
    """Move (name, temporary file) uploads into `corpus`; `indexed` is file name -> sha256 of
    the documents the index holds, so a name it knows with other bytes counts as taken."""
    corpus.mkdir(parents=True, exist_ok=True)
    results: list[Saved] = []
    for raw, upload in uploads:
        try:
            results.append(_save_one(raw, Path(upload), corpus, indexed, replace, results))
        finally:
            Path(upload).unlink(missing_ok=True)
    return results


def _save_one(
    raw: str,
    upload: Path,
    corpus: Path,
    indexed: Mapping[str, str],
    replace: bool,
    earlier: list[Saved],
) -> Saved:
    try:
        name = corpus_name(raw)
    except ValueError as exc:
        return Saved(raw, "refused", str(exc))
    if Path(name).suffix.lower() not in TRANSCRIPT_SUFFIXES:
        return Saved(
            name,
            "refused",
            f"{Path(name).suffix or 'a name without an extension'} is not a format this tool "
            f"reads ({', '.join(TRANSCRIPT_SUFFIXES)}); convert or rename the file.",
        )
    if any(s.name == name for s in earlier):
        return Saved(name, "refused", f"Two uploads are named {name}; upload one at a time.")
    data = upload.read_bytes()
    target = corpus / name
    current = target.read_bytes() if target.is_file() else None
    digest = hashlib.sha256(data).hexdigest()
    if current == data and indexed.get(name, digest) == digest:
        return Saved(name, "same")
    if target.exists() and not target.is_file():
        return Saved(name, "refused", f"{name} is a folder in the corpus; rename the file.")
    taken = (current is not None and current != data) or indexed.get(name, digest) != digest
    if taken and not replace:
        return Saved(
            name,
            "refused",
            f"A different {name} is already in the corpus. Tick “Replace documents of the "
            "same name” to replace it, or rename the file.",
        )
    backup = None
    if current is not None:
        backup = corpus / REMOVED / name
        backup.parent.mkdir(exist_ok=True)
        os.replace(target, backup)
    partial = corpus / f".{name}.uploading"  # hidden: an ingest passes it over
    shutil.copyfile(upload, partial)
    os.replace(partial, target)
    return Saved(name, "saved", backup=backup)


def undo(saved: Iterable[Saved], corpus: Path) -> list[str]:
    """Take saved uploads out of the corpus again (they could not be read, or the ingest
    failed) and put back the files they replaced; returns the names put back."""
    restored = []
    for s in saved:
        if s.status != "saved":
            continue
        (corpus / s.name).unlink(missing_ok=True)
        if s.backup is not None and s.backup.is_file():
            os.replace(s.backup, corpus / s.name)
            restored.append(s.name)
    return restored
