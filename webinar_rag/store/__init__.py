"""Where the index lives, chosen once from `IndexSettings`: the index folder (the embedded
default) or PostgreSQL + pgvector (`WEBINAR_RAG_STORE=postgresql://...`).

    open_store(settings.index, expected_model)   what retrieval reads (`Store`)
    open_writer(settings.index, wait)            what ingest writes through (`Writer`)

The PostgreSQL side needs the `postgres` extra and loads only when a database is named.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import overload

from webinar_rag.core import IndexSettings
from webinar_rag.store.base import (
    EMPTY,
    EVERYTHING,
    EXACT_SUBSET,
    DocumentVectors,
    Filter,
    Held,
    Ranked,
    SentenceKey,
    Store,
    Writer,
    document_named,
    mismatch,
)
from webinar_rag.store.folder import vectors
from webinar_rag.store.folder.index import FILES, Index
from webinar_rag.store.folder.lock import lock_path
from webinar_rag.store.folder.reading import load as load_index
from webinar_rag.store.folder.store import FaissStore
from webinar_rag.store.folder.writer import FolderWriter
from webinar_rag.store.terms import STEMMER, document_terms, query_terms


def open_store(settings: IndexSettings, expected_model: str | None = None) -> Store:
    """The configured store: PostgreSQL when `settings.store_url` names a database, else the
    index folder. `expected_model`: the index must have been built with it."""
    if settings.store_url is not None:
        from webinar_rag.store.postgres.store import PgStore

        return PgStore.open(settings.store_url, expected_model=expected_model)
    return FaissStore.load(settings.index_dir, expected_model=expected_model)


def open_writer(settings: IndexSettings, wait: float = 0.0) -> Writer:
    """The configured store's writer; `with` it takes the ingest lock, waiting up to `wait`
    seconds for another ingest."""
    if settings.store_url is not None:
        from webinar_rag.store.postgres.writer import PgWriter

        return PgWriter(settings.store_url, wait)
    return FolderWriter(settings.index_dir, settings.ann_threshold, wait)


def copy_index(index_dir: Path, target: IndexSettings) -> Held:
    """An index folder's documents and vectors, copied into another store as they are (moving
    a corpus from the folder to the database embeds nothing). What the target held beside
    them stays, unless it was built with another model."""
    index = load_index(index_dir)
    m = index.manifest
    with open_writer(target) as writer:
        writer.held()
        return writer.write(m, IndexParts(index, sorted(index.sources)), drop=())


class IndexParts(Sequence[DocumentVectors]):
    """Some documents of an index as parts, each made when it is read: one document's vectors
    in memory at a time (a million-chunk archive's, all copied out at once, took 7 GB beside
    the index's own)."""

    def __init__(self, index: Index, names: Sequence[str]) -> None:
        self._index = index
        self._names = list(names)

    def __len__(self) -> int:
        return len(self._names)

    @overload
    def __getitem__(self, i: int) -> DocumentVectors: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[DocumentVectors]: ...
    def __getitem__(self, i: int | slice) -> DocumentVectors | Sequence[DocumentVectors]:
        if isinstance(i, slice):
            return IndexParts(self._index, self._names[i])
        return self._index.part(self._names[i])


__all__ = [
    "EMPTY",
    "EVERYTHING",
    "EXACT_SUBSET",
    "FILES",
    "STEMMER",
    "DocumentVectors",
    "FaissStore",
    "Filter",
    "FolderWriter",
    "Held",
    "Index",
    "IndexParts",
    "Ranked",
    "SentenceKey",
    "Store",
    "Writer",
    "copy_index",
    "document_named",
    "document_terms",
    "load_index",
    "lock_path",
    "mismatch",
    "open_store",
    "open_writer",
    "query_terms",
    "vectors",
]
