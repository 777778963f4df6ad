"""One ingest at a time per index folder: an advisory lock beside the folder.

`fcntl.flock` belongs to the open file, so the kernel releases it when the process ends in any
way, `kill -9` included: a lock whose process is gone never blocks the next ingest. The file
holds the holder's PID, only to say who is busy.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from typing import Any

from webinar_rag.core import IndexBusy


def lock_path(index_dir: Path) -> Path:
    """`.index.lock` beside `index/` (inside it, it would be swapped away with the folder)."""
    index_dir = Path(index_dir)
    return index_dir.parent / f".{index_dir.name}.lock"


class IndexLock:
    """`with IndexLock(index_dir, wait=10):` waits up to `wait` seconds for another ingest,
    then raises `IndexBusy` naming its PID."""

    def __init__(self, index_dir: Path, wait: float = 0.0) -> None:
        self.path = lock_path(index_dir)
        self.wait = wait
        self._fd: int | None = None

    def __enter__(self) -> IndexLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _holder(fd)
                    os.close(fd)
                    who = f" (PID {holder})" if holder else ""
                    raise IndexBusy(
                        f"Another ingest{who} is writing the index at "
                        f"{self.path.parent / self.path.name[1:-5]}. Wait for it to finish, or "
                        "pass --wait SECONDS to wait for it.",
                        holder,
                    ) from None
                time.sleep(0.1)
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())  # a full disk fails here already
        except OSError:
            os.close(fd)  # and with it the lock
            raise
        self._fd = fd
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _holder(fd: int) -> int | None:
    try:
        pid = os.pread(fd, 32, 0).decode().strip()
    except OSError:
        return None
    return int(pid) if pid.isdigit() else None
