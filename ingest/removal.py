"""Removing documents: the names checked, and their files set aside, so that the next ingest
of the corpus folder does not bring them back (nothing is deleted: a removed file moves to
`<corpus>/.removed/`). The flow (`ingest.flow.remove_documents`) writes the store without them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from ingest.summary import FileResult
from webinar_rag.core import CorpusNotFound, Source, UnknownDocument


def check_removal(names: Sequence[str], sources: Mapping[str, Source], where: str) -> None:
    """Every name is a document there, and at least one document stays."""
    missing = [n for n in names if n not in sources]
    if missing:
        raise UnknownDocument(
            f"No document named {missing[0]!r} in {where}. Documents: {', '.join(sources)}."
        )
    if set(sources) <= set(names):
        raise CorpusNotFound(
            f"Removing every document would leave {where} empty. Add another transcript "
            "first, or delete the index (its folder, or the database's tables) to start over."
        )


def set_aside(
    names: Sequence[str], sources: Mapping[str, Source], corpus: Path
) -> list[FileResult]:
    """Move removed documents' files that lie in the corpus folder to `<corpus>/.removed/`."""
    corpus = corpus.resolve()
    results = []
    for name in names:
        source = sources[name]
        path = Path(source.path) if source.path else None
        if path is not None and path.is_file() and path.parent == corpus:
            trash = corpus / ".removed"
            trash.mkdir(exist_ok=True)
            os.replace(path, trash / path.name)
        results.append(FileResult(name, "removed", source.format))
    return results
