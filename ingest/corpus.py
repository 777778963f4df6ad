"""Which files make a corpus: files as given, and the transcripts inside given folders."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ingest.errors import CorpusNotFound
from ingest.readers import SUFFIXES

Skipped = tuple[Path, str]  # a file, and why it is not read


def find_transcripts(paths: Sequence[Path]) -> tuple[list[Path], list[Skipped]]:
    """(files to read, files skipped and why). Folders are searched recursively for files
    with a transcript's extension; hidden files and folders are passed over."""
    files: list[Path] = []
    skipped: list[Skipped] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                raise CorpusNotFound(
                    f"No transcripts ({', '.join(SUFFIXES)}) in {path}. "
                    "Copy a transcript there or pass its path to `webinar-rag ingest`."
                )
            files += [p for p in found if p.suffix.lower() in SUFFIXES]
            skipped += [
                (
                    p,
                    f"not a format this tool reads ({', '.join(SUFFIXES)}); convert it, "
                    "or pass --format NAME to read it as one of them",
                )
                for p in found
                if p.suffix.lower() not in SUFFIXES
            ]
        elif path.is_file():
            files.append(path)
        else:
            raise CorpusNotFound(
                f"No corpus at {path}. Pass an existing transcript file or folder, "
                "e.g. `webinar-rag ingest corpus/`."
            )
    names: dict[str, Path] = {}
    for f in files:
        if f.name in names and names[f.name].resolve() != f.resolve():
            raise CorpusNotFound(
                f"Two transcripts share the name {f.name} ({names[f.name]} and {f}); "
                "citations name documents by their file name. Rename one of them."
            )
        names[f.name] = f
    return list(dict.fromkeys(files)), skipped
