"""Writing the index folder: one writer at a time (a lock beside the folder), and every write
a whole new folder swapped into place (webinar_rag.store.folder.files), so a crash at any
moment leaves the old index or the new one."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from webinar_rag.core import IndexFolderError, IndexMismatch, Manifest
from webinar_rag.store.base import EMPTY, DocumentVectors, Held, Writer, keepers
from webinar_rag.store.folder import files, reading
from webinar_rag.store.folder.index import Index
from webinar_rag.store.folder.lock import IndexLock


class FolderWriter:
    def __init__(self, index_dir: Path, ann_threshold: int, wait: float = 0.0) -> None:
        self.index_dir = Path(index_dir)
        self.ann_threshold = ann_threshold
        self.where = f"the index at {self.index_dir}"
        self._lock = IndexLock(self.index_dir, wait=wait)
        self._index: Index | None = None
        self._held: Held | None = None

    def __enter__(self) -> Writer:
        files.check_target(self.index_dir)
        try:
            self._lock.__enter__()
        except OSError as exc:  # its folder or file cannot be made: a full or read-only disk
            raise files.write_error(exc, self.index_dir) from exc
        files.recover(self.index_dir)  # what a crashed write left, now that the lock is ours
        return self

    def __exit__(self, *exc: Any) -> None:
        self._index, self._held = None, None
        self._lock.__exit__(*exc)

    def held(self) -> Held:
        """The index as it is; when it is damaged, the documents whose text is still whole."""
        self._index = None
        try:
            if reading.load_manifest(self.index_dir) is None:
                self._held = EMPTY
                return EMPTY
            self._index = reading.load(self.index_dir)
        except IndexFolderError as exc:
            self._held = _damaged(self.index_dir, exc)
            return self._held
        self._held = Held.of(self._index.manifest, self._index.sources, self._index.chunks)
        return self._held

    def reuse(self, name: str) -> DocumentVectors:
        if self._index is None:
            raise IndexMismatch(f"{self.where} cannot lend vectors: it was not read whole.")
        return self._index.part(name)

    def write(
        self, manifest: Manifest, new: Sequence[DocumentVectors], drop: Collection[str]
    ) -> Held:
        held = self._held if self._held is not None else self.held()
        kept = keepers(held, manifest, new, drop, self.where)
        parts = sorted([*map(self.reuse, kept), *new], key=lambda p: p.source.name)
        index = Index.build(manifest, parts, self.ann_threshold)
        index.save(self.index_dir)
        self._index = index
        self._held = Held.of(index.manifest, index.sources, index.chunks)
        return self._held


def _damaged(index_dir: Path, error: IndexFolderError) -> Held:
    """A damaged index: the documents whose text is whole are embedded again; those whose text
    is lost are named (None: the manifest itself is unreadable, so nobody can say)."""
    # "The index at X is damaged: ..." -> "it is damaged: ..." (the note names the index)
    message = str(error).split(" Run `", 1)[0].split(" Rebuild it", 1)[0]
    reason = re.sub(r"^The index at \S+ ", "it ", message).rstrip(".")
    try:
        listed = reading.load_manifest(index_dir)
    except IndexFolderError:
        return Held(None, {}, {}, usable=False, reason=reason, unreadable=None)
    sources = reading.held_sources(index_dir) or {}
    lost = tuple(sorted(set(listed.sources if listed else ()) - set(sources)))
    return Held(listed, sources, {}, usable=False, reason=reason, unreadable=lost)
