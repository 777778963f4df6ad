"""The question commands: `ask`, `search`, and `serve` (the chat UI). The query path and the
UI load only when a command runs, so `webinar-rag --help` and the corpus commands start fast."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from webinar_rag.core import Answer, Citation, Hit, Settings, WebinarRagError, normalise

if TYPE_CHECKING:
    from retrieval import Assistant


def register(sub: Any) -> None:
    p = sub.add_parser("ask", help="answer a question with cited quotes")
    p.add_argument("question", nargs="?", help="the question")
    p.add_argument("--questions", type=Path, help='JSONL file, one {"question", "id"} a line')
    p.add_argument("--json", action="store_true", help="one JSON object per answer")
    _filters(p)
    p.add_argument(
        "--backend",
        choices=["auto", "extractive", "llm"],
        help="who writes the answer (default auto: the LLM if OPENAI_BASE_URL/OPENAI_API_KEY "
        "is set, else the offline extractive answerer)",
    )
    p.add_argument("--stream", action="store_true", help="print the answer as it is written")
    p.set_defaults(func=_ask)

    p = sub.add_parser("search", help="list the passages that best match a query, no answer")
    p.add_argument("query", help="what to look for")
    p.add_argument("--json", action="store_true", help="one JSON object per passage")
    _filters(p)
    p.set_defaults(func=_search)

    p = sub.add_parser("serve", help="start the chat UI in the browser (Gradio)")
    p.add_argument("--host", help="address to bind (env WEBINAR_RAG_HOST, default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (env WEBINAR_RAG_PORT, default 7860)")
    p.add_argument("--index", type=Path, help="index folder (default index/)")
    p.add_argument("--corpus", type=Path, help="where uploaded transcripts go (default corpus/)")
    p.set_defaults(func=_serve)

    p = sub.add_parser("mcp", help="serve the corpus to MCP clients (stdio, or --http)")
    p.add_argument("--index", type=Path, help="index folder (default index/)")
    p.add_argument("--corpus", type=Path, help="the folder `ingest` reads (default corpus/)")
    p.add_argument(
        "--http",
        type=int,
        metavar="PORT",
        help="streamable HTTP on http://127.0.0.1:PORT/mcp instead of stdio",
    )
    p.add_argument(
        "--allow-ingest",
        action="store_true",
        help="add the `ingest` tool (files inside the corpus folder); read-only without it",
    )
    p.set_defaults(func=_mcp)


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--speaker", help="only this speaker's words (name, surname or 'document')")
    p.add_argument("--document", help="only this document (file name or title)")
    p.add_argument("-k", "--top-k", type=int, help="passages to retrieve")
    p.add_argument("--index", type=Path, help="index folder (default index/)")


def _load(args: argparse.Namespace) -> Assistant:
    from retrieval import Assistant, checked_k

    checked_k(args.top_k)  # retrieval's limits, checked before the model loads
    settings = Settings.from_env().at_index(args.index)
    if getattr(args, "backend", None) == "llm":
        settings.llm.require()  # the one-line "no endpoint configured" error, before loading
    return Assistant.load(settings)


def _ask(args: argparse.Namespace) -> int:
    from retrieval import checked_question, read_questions

    if args.questions and args.question:
        raise WebinarRagError("Give either a QUESTION or --questions FILE, not both.")
    if args.questions:
        records: list[dict[str, Any]] = read_questions(args.questions)
    elif args.question is not None:
        records = [{"question": checked_question(args.question)}]
    else:
        raise WebinarRagError('No question. Use `webinar-rag ask "QUESTION"` or --questions FILE.')
    assistant = _load(args)
    many = len(assistant.store.sources) > 1
    for record in records:
        options: dict[str, Any] = {
            "speaker": args.speaker,
            "k": args.top_k,
            "backend": args.backend,
            "document": args.document,
        }
        if args.stream and not args.json:
            answer = _stream(assistant, record["question"], options)
        else:
            answer = assistant.ask(record["question"], **options)
        if args.json:
            print(json.dumps(answer.to_dict(id=record.get("id")), ensure_ascii=False), flush=True)
        else:
            print(format_answer(answer, documents=many), flush=True)
    return 0


def _search(args: argparse.Namespace) -> int:
    from retrieval import checked_question

    checked_question(args.query)
    assistant = _load(args)
    hits = assistant.search(args.query, speaker=args.speaker, k=args.top_k, document=args.document)
    for rank, hit in enumerate(hits, start=1):
        if args.json:
            print(json.dumps({"rank": rank, **hit.to_dict()}, ensure_ascii=False), flush=True)
        else:
            print(format_hit(rank, hit), flush=True)
    if not hits and not args.json:
        print("No passages match these filters.")
    return 0


def _serve(args: argparse.Namespace) -> int:
    """Gradio loads only for this command, so the others start fast."""
    from webinar_rag.ui import serve

    return serve(args.host, args.port, args.index, args.corpus)


def _mcp(args: argparse.Namespace) -> int:
    """The MCP SDK loads only for this command."""
    from webinar_rag.mcp import serve

    return serve(args.index, args.corpus, args.http, args.allow_ingest)


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


def who(c: Citation | Hit) -> str:
    """`Name, Affiliation [12:34]` (or `p. 3`), `Document` for text that is no one's."""
    speaker = c.speaker if isinstance(c, Citation) else c.chunk.speaker
    affiliation = c.affiliation if isinstance(c, Citation) else c.chunk.affiliation
    name = ", ".join(p for p in (speaker, affiliation) if p) if speaker else "Document"
    where = c.place.where
    return f"{name} {where}" if where else name


def format_answer(answer: Answer, documents: bool = False) -> str:
    """The answer, a notice if any, then one line per citation (with its document, when the
    index holds several)."""
    lines = [answer.text] if answer.text else []
    if answer.notice:
        lines.append(f"Note: {answer.notice}")
    if answer.citations:
        lines.append("")
    for c in answer.citations:
        source = f" ({c.document})" if documents or not c.speaker else ""
        lines.append(f'[{c.n}] {who(c)}{source}: "{normalise(c.quote)}"')
    return "\n".join(lines) + "\n"


def format_hit(rank: int, hit: Hit) -> str:
    return f"{rank}. {hit.score:.3f}  {who(hit)} ({hit.place.document})\n   {hit.chunk.text}\n"
