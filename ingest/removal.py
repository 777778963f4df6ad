"""Removing documents from an index: checked, their files set aside, without a model.

A removed file that lies in the corpus folder moves to `<corpus>/.removed/`, so the next ingest
of the folder does not bring it back (and nothing is deleted). The folder's index is rebuilt
from the others' vectors and swapped in; the database's rows are deleted in one transaction.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from ingest import folder
from ingest.errors import CorpusNotFound, UnknownDocument
from ingest.index import Index, Source
from ingest.lock import IndexLock
from ingest.report import FileReport, IngestReport, summarise
from ingest.settings import IngestSettings
from ingest.store import store_url
from ingest.vectors import DocumentVectors, build_index


def remove_documents(
    names: Sequence[str], settings: IngestSettings | None = None, *, wait: float = 0.0
) -> IngestReport:
    """Drop documents (by file name) from the index, without a model: the others keep their
    vectors. A removed file that lies in the corpus folder moves to `<corpus>/.removed/`, so
    the next ingest of the folder does not bring it back (and nothing is deleted)."""
    settings = settings or IngestSettings()
    url = store_url()
    if url is not None:
        from ingest.pg_ingest import remove_from_database

        return remove_from_database(url, names, settings, wait=wait)
    began = time.perf_counter()
    with IndexLock(settings.index_dir, wait=wait):
        folder.recover(settings.index_dir)
        index = Index.load(settings.index_dir)
        where = f"the index at {settings.index_dir}"
        check_removal(names, index.sources, where, f"delete the folder {settings.index_dir}")
        reports = set_aside(names, index.sources, settings.corpus)
        kept = [DocumentVectors.reuse(index, n) for n in index.sources if n not in names]
        manifest = replace(
            index.manifest,
            sources={p.source.name: p.source.sha256 for p in kept},
            n_chunks=sum(len(p.chunks) for p in kept),
            n_sentences=sum(len(p.sentence_keys) for p in kept),
        )
        smaller = build_index(kept, manifest)
        smaller.save(settings.index_dir)
        return summarise(settings, reports, smaller, began, written=True)


def check_removal(
    names: Sequence[str], sources: dict[str, Source], where: str, start_over: str
) -> None:
    """Every name is a document there, and at least one document stays."""
    missing = [n for n in names if n not in sources]
    if missing:
        raise UnknownDocument(
            f"No document named {missing[0]!r} in {where}. Documents: {', '.join(sources)}."
        )
    if set(sources) <= set(names):
        raise CorpusNotFound(
            "Removing every document would leave an empty index. Add another transcript "
            f"first, or {start_over} to start over."
        )


def set_aside(names: Sequence[str], sources: dict[str, Source], corpus: Path) -> list[FileReport]:
    """Move removed documents' files that lie in the corpus folder to `<corpus>/.removed/`."""
    corpus = corpus.resolve()
    reports = []
    for name in names:
        source = sources[name]
        path = Path(source.path) if source.path else None
        if path is not None and path.is_file() and path.parent == corpus:
            trash = corpus / ".removed"
            trash.mkdir(exist_ok=True)
            os.replace(path, trash / path.name)
        reports.append(FileReport(name, "removed", source.format))
    return reports
