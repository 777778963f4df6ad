"""Writing an index folder safely: build it beside the old one, then swap it into place.

A crash at any moment leaves either the old folder or the new one under the index's name,
except in the instant between the two renames of the swap, when the old one waits whole under
`.<name>.old-*`: `recover` (run by the next ingest, under its lock) puts it back, and `live`
lets a reader find it meanwhile. Half-written `.<name>.tmp-*` folders are deleted by `recover`.
The manifest records a sha256 of every other file (`checksums`), so a reader can tell a damaged
or hand-edited file from the one that was written (`damaged`).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from webinar_rag.core import IndexUnreadable, IndexWriteError, NotAnIndexFolder

MANIFEST = "manifest.json"


def check_target(path: Path) -> None:
    """Refuse to replace a folder that is not an index: it may hold someone's files."""
    path = Path(path)
    check_readable(path)
    if path.is_file() or (
        path.is_dir() and not (path / MANIFEST).is_file() and any(path.iterdir())
    ):
        raise NotAnIndexFolder(
            f"{path} is not an index folder (no {MANIFEST}) and is not empty; "
            "writing the index there would replace it. Choose a new or empty folder."
        )


def check_readable(path: Path) -> None:
    """An index folder this user may not read is said to be one, not mistaken for a missing
    index (`Path.is_file` answers False when it may not look)."""
    try:
        if Path(path).is_dir():
            os.listdir(path)
            if (Path(path) / MANIFEST).exists():
                Path(path, MANIFEST).open("rb").close()
    except PermissionError as exc:
        raise IndexUnreadable(
            f"Cannot read the index at {path} ({exc.strerror}). Give this user read access "
            f"to it (e.g. `chmod -R u+rwX {path}`), or use another folder with --index."
        ) from exc


def checksums(folder: Path) -> dict[str, str]:
    """sha256 of every file under a written folder but the manifest, by relative path."""
    folder = Path(folder)
    return {
        p.relative_to(folder).as_posix(): sha256_of(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def damaged(folder: Path, expected: dict[str, str]) -> str | None:
    """The first file whose bytes differ from its recorded checksum (or that is gone)."""
    for name, digest in sorted(expected.items()):
        try:
            if sha256_of(Path(folder) / name) != digest:
                return name
        except FileNotFoundError:
            return name
    return None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _set_aside(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f".{path.name}.old-*"))


def live(path: Path) -> Path:
    """The folder to read: `path`, or the old index set aside by a swap that was cut short."""
    path = Path(path)
    if not path.exists():
        aside = [p for p in _set_aside(path) if (p / MANIFEST).is_file()]
        if aside:
            return aside[-1]
    return path


def recover(path: Path) -> None:
    """Undo what a crashed write left: the old index goes back under its name if the swap was
    cut between its renames, and temporary or set-aside folders are deleted. Only for a
    writer that holds the index's lock."""
    path = Path(path)
    aside = _set_aside(path)
    if not path.exists() and aside:
        os.replace(aside.pop(), path)
    for leftover in [*aside, *path.parent.glob(f".{path.name}.tmp-*")]:
        shutil.rmtree(leftover, ignore_errors=True)


@contextmanager
def writing(path: Path) -> Iterator[Path]:
    """`with writing(index_dir) as tmp:` write into `tmp`; on leaving, it replaces `index_dir`
    (on an error, it is deleted and `index_dir` is untouched)."""
    path = Path(path)
    check_target(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; an index is an ordinary folder
    try:
        yield tmp
        _fsync_tree(tmp)
        swap_into_place(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def swap_into_place(tmp: Path, path: Path) -> None:
    """Rename the old folder aside, the new one in, then delete the old one."""
    old = None
    if path.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
        os.rmdir(old)
        os.replace(path, old)
    try:
        os.replace(tmp, path)
    except BaseException:
        if old is not None:
            os.replace(old, path)
        raise
    _fsync_dir(path.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_error(exc: OSError, path: Path) -> IndexWriteError:
    """What a failed write of the index at `path` tells the user: the cause in words (a full
    disk, a file size limit, a read-only folder) and what to do about it."""
    code, reason = exc.errno, exc.strerror or str(exc)
    if code in (errno.ENOSPC, errno.EDQUOT):
        problem = "the disk is full" if code == errno.ENOSPC else "the disk quota is used up"
        fix = f"Free some disk space on the disk that holds {Path(path).parent}"
    elif code == errno.EFBIG:
        problem = "a file reached this process's file size limit"
        fix = "Raise the limit (`ulimit -f unlimited`) or free space for a smaller write"
    elif code in (errno.EROFS, errno.EACCES, errno.EPERM):
        problem = "the folder cannot be written"
        fix = "Fix the folder's permissions, or choose another folder with --index"
    else:
        problem = "the write failed"
        fix = "Free some disk space or fix the folder's permissions"
    return IndexWriteError(
        f"Could not write the index at {path}: {problem} ({reason}); the previous index is "
        f"unchanged. {fix}, then run `webinar-rag ingest` again."
    )


def faiss_failure(exc: RuntimeError, path: Path) -> OSError | RuntimeError:
    """FAISS reports a failed write as a RuntimeError ending "(<strerror>)": the OSError it
    stands for, so a full disk is told as one; any other RuntimeError as it is."""
    text = str(exc)
    if "write error" not in text:
        return exc
    found = re.search(r"\(([^()]+)\)\s*$", text)
    reason = found.group(1) if found else "Input/output error"
    codes = {os.strerror(c): c for c in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)}
    return OSError(codes.get(reason, errno.EIO), reason, str(path))


def write_jsonl(path: Path, records: Iterable[Any]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _fsync_tree(folder: Path) -> None:
    """Everything written reaches the disk before the folder is swapped in."""
    for file in folder.rglob("*"):
        if file.is_file():
            fd = os.open(file, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
