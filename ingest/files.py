"""Which files make a corpus: files as given, and the transcripts inside given folders.

A folder's symbolic links are followed only to files inside that folder: a link out of it
(`notes.txt -> /etc/passwd`) is skipped with a line that says so, so that whoever can write
into a corpus folder cannot make the index, and so its answers, quote any file the ingest
can read. A file named on the command line is read wherever it is: its caller chose it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ingest.readers import SUFFIXES
from webinar_rag.core import CorpusNotFound

Skipped = tuple[Path, str]  # a file, and why it is not read
_LINK_OUT = (
    "a symbolic link to {target}, outside the corpus folder: not followed. Copy the file "
    "into the folder to ingest it"
)


def find_transcripts(paths: Sequence[Path]) -> tuple[list[Path], list[Skipped]]:
    """(files to read, files skipped and why). Folders are searched recursively for files
    with a transcript's extension; hidden files and folders are passed over."""
    files: list[Path] = []
    skipped: list[Skipped] = []
    for path in map(Path, paths):
        if path.is_dir():
            visible = [
                p
                for p in sorted(path.rglob("*"))
                if not any(part.startswith(".") for part in p.relative_to(path).parts)
            ]
            outside = [p for p in visible if p.is_symlink() and not _inside(p, path)]
            skipped += [(p, _LINK_OUT.format(target=p.resolve())) for p in outside]
            found = [p for p in visible if p.is_file() and p not in outside]
            if not found and not outside:
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


def _inside(link: Path, folder: Path) -> bool:
    """Does a link inside `folder` lead to something inside it too?"""
    return link.resolve().is_relative_to(folder.resolve())
