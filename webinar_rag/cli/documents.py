"""The document commands: `ingest`, `corpus list`, `corpus remove`, `speakers`. Each reads only
the settings it uses (an ingest never reads the LLM's), and ingest loads only when it runs."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from webinar_rag.cli import recordings
from webinar_rag.core import Settings
from webinar_rag.store import Store, open_store

if TYPE_CHECKING:
    from ingest import FileResult, IngestSummary

EXIT_FAILED_FILES = 2


def register(sub: Any) -> None:
    p = sub.add_parser("ingest", help="read transcripts into the index (incremental)")
    p.add_argument(
        "paths", nargs="*", type=Path, help="transcript files or folders (default corpus/)"
    )
    p.add_argument("--index", type=Path, help="index folder (default index/)")
    p.add_argument("--rebuild", action="store_true", help="re-read and re-embed everything")
    p.add_argument(
        "--format",
        help="read the given files as this format (report, log, vtt, srt, sbv, json, docx, "
        "pdf, recording) instead of choosing by extension and content",
    )
    p.add_argument(
        "--speakers",
        type=_positive,
        metavar="N",
        help="recordings: cluster the voices into N speakers (default: estimate how many)",
    )
    p.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="if another ingest is writing the index, wait this long for it (default: stop)",
    )
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.set_defaults(func=_ingest)

    p = sub.add_parser("speakers", help="list the speakers of each document, or rename one")
    p.add_argument("--index", type=Path, help="index folder (default index/)")
    p.add_argument("--json", action="store_true", help="one JSON object per document")
    p.set_defaults(func=_speakers)
    recordings.register(sub, p)

    p = sub.add_parser("corpus", help="list or remove the documents of the index")
    actions = p.add_subparsers(dest="action", required=True)
    q = actions.add_parser("list", help="the documents, with format, speakers, turns, chunks")
    q.add_argument("--index", type=Path, help="index folder (default index/)")
    q.add_argument("--json", action="store_true", help="one JSON object per document")
    q.set_defaults(func=_list)
    q = actions.add_parser("remove", help="drop documents from the index (no re-embedding)")
    q.add_argument("names", nargs="+", help="file names, as `corpus list` shows them")
    q.add_argument("--index", type=Path, help="index folder (default index/)")
    q.add_argument("--wait", type=float, default=0.0, metavar="SECONDS")
    q.set_defaults(func=_remove)


def _ingest(args: argparse.Namespace) -> int:
    from ingest import ingest

    settings = _settings(args.index)
    if args.speakers is not None:
        audio = replace(settings.ingest.audio, speakers=args.speakers)
        settings = replace(settings, ingest=replace(settings.ingest, audio=audio))
    report = ingest(
        args.paths or None,
        settings,
        rebuild=args.rebuild,
        format=args.format,
        wait=args.wait,
        progress=sys.stderr.isatty() and not args.json,
    )
    if args.json:
        print(json.dumps(asdict(report), default=str, ensure_ascii=False))
        return EXIT_FAILED_FILES if report.failed else 0
    return _print_report(report)


def _positive(raw: str) -> int:
    if not raw.isdigit() or int(raw) < 1:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a number of speakers (1 or more)")
    return int(raw)


def _remove(args: argparse.Namespace) -> int:
    from ingest import remove_documents

    return _print_report(remove_documents(args.names, _settings(args.index), wait=args.wait))


def _settings(index: Path | None) -> Settings:
    """What the document commands read: where the index is, the corpus, the models."""
    return Settings.from_env(parts=("index", "ingest", "models")).at_index(index)


def _print_report(report: IngestSummary) -> int:
    """A line per file that changed, one error line per file that failed, then the total."""
    for note in report.notes:
        print(f"note: {note}")
    for f in report.files:
        if f.status == "failed":
            print(f"webinar-rag: error: {f.error}", file=sys.stderr)
        elif f.status != "unchanged":
            print(file_line(f))
        for note in f.notes:
            print(f"  note: {f.name}: {note}")
    state = "up to date" if report.up_to_date else "written"
    failed = f"; {len(report.failed)} file(s) failed" if report.failed else ""
    print(
        f"Index {state} at {report.index_dir}: {len(report.sources)} document(s), "
        f"{report.n_turns} turns, {report.n_chunks} chunks in {report.seconds:.1f} s{failed}."
    )
    return EXIT_FAILED_FILES if report.failed else 0


def file_line(f: FileResult) -> str:
    if f.status == "removed":
        return f"  removed    {f.name}"
    encoding = f", read as {f.encoding}" if f.encoding not in (None, "utf-8") else ""
    return (
        f"  {f.status:<10} {f.name} ({f.format}{encoding}): {f.speakers} speaker(s), "
        f"{f.turns} turns, {f.chunks} chunks, {f.seconds:.1f} s"
    )


def _load(index: Path | None) -> Store:
    """The configured store: the index folder, or the database WEBINAR_RAG_STORE names."""
    return open_store(_settings(index).index)


def _speakers(args: argparse.Namespace) -> int:
    index = _load(args.index)
    for source in index.sources.values():
        turns: dict[str, list[Any]] = {}
        for t in source.turns:
            if t.speaker:
                turns.setdefault(t.speaker, []).append(t)
        if args.json:
            record = {
                "document": source.name,
                "title": source.label,
                "speakers": [
                    {"name": n, "affiliation": ts[0].affiliation, "turns": len(ts)}
                    for n, ts in turns.items()
                ],
            }
            print(json.dumps(record, ensure_ascii=False))
            continue
        print(f"{source.label} ({source.name})")
        for name, ts in turns.items():
            affiliation = f", {ts[0].affiliation}" if ts[0].affiliation else ""
            print(f"  {name}{affiliation}: {len(ts)} turn(s)")
        if not turns:
            print("  (no speakers recognised)")
    return 0


def _list(args: argparse.Namespace) -> int:
    index = _load(args.index)
    chunks: dict[str, int] = {}
    for c in index.chunks:
        chunks[c.source] = chunks.get(c.source, 0) + 1
    for s in index.sources.values():
        record = {
            "name": s.name,
            "title": s.label,
            "format": s.format,
            "speakers": len({t.speaker for t in s.turns if t.speaker}),
            "turns": len(s.turns),
            "chunks": chunks.get(s.name, 0),
            "path": s.path,
        }
        if args.json:
            print(json.dumps(record, ensure_ascii=False))
        else:
            print(
                f"{s.name}  [{s.format}] {s.label!r}: {record['speakers']} speaker(s), "
                f"{record['turns']} turns, {record['chunks']} chunks"
            )
    return 0
