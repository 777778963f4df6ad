"""`webinar-rag`: a thin command-line face over ingest, retrieval and eval.

    webinar-rag ingest [PATH...]          read transcripts (any supported format) into the index
    webinar-rag ask QUESTION              a cited answer, or a refusal
    webinar-rag search QUERY              the ranked passages, without an answer
    webinar-rag summary [--document D]    a meeting's summary, decisions and action items, cited
    webinar-rag speakers | corpus list | corpus remove NAME
    webinar-rag serve | mcp | eval

Errors print one line that names the problem and the fix, and exit non-zero; never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib import import_module
from typing import Any

from webinar_rag.cli import asking, documents, summary
from webinar_rag.core import WebinarRagError, debugging

EXIT_ERROR = 2
__all__ = ["EXIT_ERROR", "guarded", "main", "parser"]


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["eval"]:  # eval has its own parser: hand it every argument as given
        rest = argv[1:]
        return guarded(lambda: import_module("eval.run").run(rest))
    args = parser().parse_args(argv)
    return guarded(lambda: args.func(args))


def guarded(command: Callable[[], Any]) -> int:
    """Run a command; errors become one line and a non-zero exit, never a traceback."""
    try:
        return int(command())
    except WebinarRagError as exc:
        print(f"webinar-rag: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("webinar-rag: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug of ours: still one line, with a way to see more
        if debugging():
            raise
        print(
            f"webinar-rag: internal error: {type(exc).__name__}: {exc}. "
            "Run again with WEBINAR_RAG_DEBUG=1 for the traceback and report it.",
            file=sys.stderr,
        )
        return 1


def parser() -> argparse.ArgumentParser:
    doc = __doc__ or "webinar-rag"
    root = argparse.ArgumentParser(prog="webinar-rag", description=doc.splitlines()[0])
    sub = root.add_subparsers(dest="command", required=True)
    documents.register(sub)
    asking.register(sub)
    summary.register(sub)
    p = sub.add_parser(
        "eval", help="evaluate on a question file (see `python -m eval -h`)", add_help=False
    )
    p.add_argument("rest", nargs=argparse.REMAINDER)  # for the help text; main() forwards
    return root
