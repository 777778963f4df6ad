"""`webinar-rag`: a thin command-line face over ingest, retrieval and eval.

Errors print one line that names the problem and the fix, and exit non-zero; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ingest import WebinarRagError, ingest, normalise
from retrieval import Answer, Assistant, Settings, read_questions

EXIT_ERROR = 2


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["eval"]:  # eval has its own parser: hand it every argument as given
        rest = argv[1:]
        return _guarded(lambda: __import__("eval.run").run.main(rest))
    args = _parser().parse_args(argv)
    return _guarded(lambda: args.func(args))


def _guarded(command: Callable[[], Any]) -> int:
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
        if os.environ.get("WEBINAR_RAG_DEBUG"):
            raise
        print(
            f"webinar-rag: internal error: {type(exc).__name__}: {exc}. "
            "Run again with WEBINAR_RAG_DEBUG=1 for the traceback and report it.",
            file=sys.stderr,
        )
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="webinar-rag", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="build or refresh the index from transcripts")
    p.add_argument(
        "paths", nargs="*", type=Path, help="transcript files or folders (default corpus/)"
    )
    p.add_argument("--index", type=Path, help="index folder (default index/)")
    p.add_argument("--rebuild", action="store_true", help="rebuild even if nothing changed")
    p.set_defaults(func=_ingest)

    p = sub.add_parser("ask", help="answer a question with cited quotes")
    p.add_argument("question", nargs="?", help="the question")
    p.add_argument("--questions", type=Path, help='JSONL file, one {"question", "id"} a line')
    p.add_argument("--json", action="store_true", help="one JSON object per answer")
    p.add_argument("--speaker", help="only this speaker's words (name, surname or 'document')")
    p.add_argument("-k", "--top-k", type=int, help="passages to retrieve")
    p.add_argument("--index", type=Path, help="index folder (default index/)")
    p.add_argument(
        "--backend",
        choices=["auto", "extractive", "llm"],
        help="who writes the answer (default auto: the LLM if OPENAI_BASE_URL/OPENAI_API_KEY "
        "is set, else the offline extractive answerer)",
    )
    p.add_argument("--stream", action="store_true", help="print the answer as it is written")
    p.set_defaults(func=_ask)

    p = sub.add_parser("serve", help="start the chat UI in the browser (Gradio)")
    p.add_argument("--host", help="address to bind (env WEBINAR_RAG_HOST, default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (env WEBINAR_RAG_PORT, default 7860)")
    p.add_argument("--index", type=Path, help="index folder (default index/)")
    p.set_defaults(func=_serve)

    p = sub.add_parser(
        "eval", help="evaluate on a question file (see `python -m eval -h`)", add_help=False
    )
    p.add_argument("rest", nargs=argparse.REMAINDER)  # for the help text; main() forwards
    return parser


def _ingest(args: argparse.Namespace) -> int:
    settings = Settings().at_index(args.index).ingest
    report = ingest(args.paths or None, settings, rebuild=args.rebuild)
    state = "up to date" if report.up_to_date else "built"
    print(
        f"Index {state} at {report.index_dir}: {len(report.sources)} transcript(s), "
        f"{report.n_turns} turns, {report.n_chunks} chunks in {report.seconds:.1f} s."
    )
    return 0


def _ask(args: argparse.Namespace) -> int:
    if args.questions and args.question:
        raise WebinarRagError("Give either a QUESTION or --questions FILE, not both.")
    if args.questions:
        records: list[dict[str, Any]] = read_questions(args.questions)
    elif args.question is not None:
        records = [{"question": args.question}]
    else:
        raise WebinarRagError('No question. Use `webinar-rag ask "QUESTION"` or --questions FILE.')
    if args.top_k is not None and args.top_k < 1:
        raise WebinarRagError(f"--top-k must be at least 1, not {args.top_k}.")
    settings = Settings().at_index(args.index)
    if args.backend == "llm":
        settings.llm.require()  # the one-line "no endpoint configured" error, before loading
    assistant = Assistant.load(settings)
    for record in records:
        options = {"speaker": args.speaker, "k": args.top_k, "backend": args.backend}
        if args.stream and not args.json:
            answer = _stream(assistant, record["question"], options)
        else:
            answer = assistant.ask(record["question"], **options)
        if args.json:
            print(json.dumps(answer.to_dict(id=record.get("id")), ensure_ascii=False), flush=True)
        else:
            print(format_answer(answer), flush=True)
    return 0


def _serve(args: argparse.Namespace) -> int:
    """Gradio loads only for this command, so the others start fast."""
    from app import serve

    return serve(args.host, args.port, args.index)


def _stream(assistant: Assistant, question: str, options: dict[str, Any]) -> Answer:
    """Print the model's words as they come; the verified answer follows if it differs."""
    streamed: list[str] = []
    for piece in assistant.stream(question, **options):
        if isinstance(piece, Answer):
            if "".join(streamed).strip() != piece.text.strip():
                print("\n\nVerified answer:", flush=True)
                return piece
            print("\n", flush=True)
            return replace(piece, text="")
        streamed.append(piece)
        print(piece, end="", flush=True)
    raise RuntimeError("the stream ended without an answer")


def format_answer(answer: Answer) -> str:
    lines = [answer.text] if answer.text else []
    if answer.notice:
        lines.append(f"Note: {answer.notice}")
    if answer.citations:
        lines.append("")
    for c in answer.citations:
        who = f"{c.speaker}, {c.affiliation}" if c.speaker else f"Document ({c.source})"
        lines.append(f'[{c.n}] {who}: "{normalise(c.quote)}"')
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
