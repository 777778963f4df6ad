"""The transcript commands: `transcript DOCUMENT [--format vtt|srt|txt|json]` prints any
document's transcript (a recording's as WebVTT with voice tags and cue times), and
`speakers rename DOCUMENT OLD NEW` names a recording's speaker without transcribing again."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from webinar_rag.core import Settings
from webinar_rag.store import open_store

FORMATS = ("vtt", "srt", "txt", "json")  # ingest.TRANSCRIPT_FORMATS (checked by the tests)


def register(sub: Any, speakers: argparse.ArgumentParser) -> None:
    p = sub.add_parser("transcript", help="print a document's transcript (vtt, srt, txt, json)")
    p.add_argument("document", help="file name, stem or title, as `corpus list` shows it")
    p.add_argument("--format", choices=FORMATS, default="vtt", help="default: vtt")
    p.add_argument("--index", type=Path, help="index folder (default index/)")
    p.set_defaults(func=_transcript)

    actions = speakers.add_subparsers(dest="action", required=False)
    q = actions.add_parser(
        "rename", help="name a recording's speaker (its transcript is not made again)"
    )
    q.add_argument("document", help="the recording: file name, stem or title")
    q.add_argument("old", help="the speaker as shown now, e.g. 'Speaker 2'")
    q.add_argument("new", help="the name to show, e.g. 'Ana López'")
    q.add_argument("--index", type=Path, help="index folder (default index/)")
    q.add_argument("--wait", type=float, default=0.0, metavar="SECONDS")
    q.set_defaults(func=_rename)


def _settings(index: Path | None) -> Settings:
    return Settings.from_env(parts=("index", "ingest", "models")).at_index(index)


def _transcript(args: argparse.Namespace) -> int:
    from ingest import transcript_text

    store = open_store(_settings(args.index).index)
    name = store.document_named(args.document)
    sys.stdout.write(transcript_text(store.sources[name], args.format))
    return 0


def _rename(args: argparse.Namespace) -> int:
    from ingest import rename_speaker

    settings = _settings(args.index)
    report = rename_speaker(args.document, args.old, args.new, settings, wait=args.wait)
    for f in report.files:
        notes = "; ".join(f.notes)
        print(f"  renamed    {f.name}: {notes}; {f.turns} turns, {f.chunks} chunks embedded again")
    print(f"Index written at {report.index_dir} in {report.seconds:.1f} s.")
    return 0
