"""`webinar-rag summary`: a meeting's overview (summary, speakers, decisions, action items,
topics), every line a cited quote; `--compare A B` shows two meetings' overviews in turn."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from webinar_rag.core import Settings, WebinarRagError

if TYPE_CHECKING:
    from retrieval import Overview, Written


def register(sub: Any) -> None:
    p = sub.add_parser(
        "summary", help="a meeting's summary, speakers, decisions and action items, cited"
    )
    p.add_argument(
        "--document",
        action="append",
        default=[],
        help="the meeting (file name or title); repeat for several (default: every document)",
    )
    p.add_argument("--speaker", help="only this speaker's words")
    p.add_argument("--words", type=int, help="the summary's length in words (default 150)")
    p.add_argument(
        "--compare",
        action="store_true",
        help="with two or more --document, one overview per document, in turn",
    )
    p.add_argument(
        "--llm",
        action="store_true",
        help="the summary paragraph written by the configured LLM, every claim verified "
        "against the transcript (the extractive summary, with a notice, when none holds)",
    )
    shape = p.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="the overview as JSON")
    shape.add_argument("--markdown", action="store_true", help="the overview as Markdown")
    p.add_argument("--index", type=Path, help="index folder (default index/)")
    p.set_defaults(func=_summary)


def _summary(args: argparse.Namespace) -> int:
    from retrieval import MAX_WORDS, Assistant, compared

    if args.words is not None and not 10 <= args.words <= MAX_WORDS:
        raise WebinarRagError(f"--words {args.words}: use 10 to {MAX_WORDS}.")
    if args.compare and len(args.document) < 2:
        raise WebinarRagError(
            "--compare needs two or more --document, e.g. --document A --document B."
        )
    if args.llm and (args.compare or args.markdown):
        raise WebinarRagError("--llm writes one summary: use it without --compare and --markdown.")
    assistant = Assistant.load(Settings.from_env().at_index(args.index))
    if args.llm:
        return _written(assistant.written_summary(args.document, args.speaker), args.json)
    if args.compare:
        overviews = compared(assistant.overview, args.document, args.speaker, args.words)
    else:
        overviews = [assistant.overview(args.document, args.speaker, args.words)]
    if args.json:
        data: Any = [o.to_dict() for o in overviews] if args.compare else overviews[0].to_dict()
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print("\n\n".join(o.markdown() if args.markdown else plain(o) for o in overviews), end="")
    return 0


def _written(written: Written, as_json: bool) -> int:
    from webinar_rag.cli.asking import who

    if as_json:
        print(json.dumps(asdict(written), ensure_ascii=False, indent=2))
        return 0
    lines = [f"Summary ({written.backend}):", written.text, ""]
    lines += [f"Notice: {written.notice}", ""] if written.notice else []
    lines += [f'[{c.n}] {who(c)}: "{c.quote}"' for c in written.citations]
    print("\n".join(lines))
    return 0


def plain(overview: Overview) -> str:
    """The overview as text: each part, then one line per citation."""
    from webinar_rag.cli.asking import who

    titles = list(dict.fromkeys(c.document for c in overview.citations))
    parts = [
        ("Summary", overview.text("summary")),
        ("Speakers", overview.text("speakers")),
        ("Decisions", overview.text("decisions")),
        ("Action items", overview.text("actions")),
        ("Topics", overview.text("topics")),
    ]
    lines = [f"Overview of {', '.join(titles) or ', '.join(overview.documents)}", ""]
    for title, text in parts:
        lines += [f"{title}:", text, ""]
    lines += [f'[{c.n}] {who(c)}: "{c.quote}"' for c in overview.citations]
    return "\n".join(lines) + "\n"
