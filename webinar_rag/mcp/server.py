"""The corpus as a Model Context Protocol server (the official `mcp` SDK): tools `search`, `ask`,
`overview`, `list_documents`, `list_speakers` (and `ingest`, only when the user allows it), and
each transcript as a resource, `transcript://NAME`.

Agents reach tools through MCP; a meeting archive is what they most want to search. Every tool
goes through the same `Assistant` and the same limits as the CLI, and answers in the CLI's JSON
(`ask` is `webinar-rag ask --json`'s contract, `overview` `webinar-rag summary --json`'s). A
product error becomes a tool error with the product's one-line message; nothing else the
server does is visible to the client.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import quote

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError
from mcp.server.mcpserver.resources import FunctionResource
from mcp_types import ToolAnnotations

from ingest import ingest as run_ingest
from retrieval import Assistant, checked_question
from webinar_rag.core import LLMNotConfigured, Settings, WebinarRagError
from webinar_rag.store import Store

log = logging.getLogger("webinar_rag.mcp")
SCHEME = "transcript"
READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
NO_LLM = (
    "No LLM endpoint is configured for this server, so it cannot write the summary: start it "
    "with OPENAI_BASE_URL set (and OPENAI_API_KEY if the endpoint needs one), or call overview "
    "without llm."
)


class Corpus:
    """The assistant the tools share, refreshed before each call (an ingest from the CLI or
    the `ingest` tool swaps a new index in; the next call answers from it)."""

    def __init__(self, assistant: Assistant, settings: Settings) -> None:
        self.assistant = assistant
        self.settings = settings

    def current(self) -> Assistant:
        self.assistant = self.assistant.refreshed()
        return self.assistant


def build_server(assistant: Assistant, settings: Settings, allow_ingest: bool = False) -> MCPServer:
    """The server, its tools bound to one loaded assistant. `allow_ingest` adds the one tool
    that writes: without it the server cannot change the index."""
    corpus = Corpus(assistant, settings)
    server: MCPServer = MCPServer(
        "webinar-rag",
        instructions=(
            "Search and question meeting and webinar transcripts. `ask` gives an answer that "
            "quotes the transcripts verbatim with the speaker of each quote, or refuses when "
            "they do not cover the question; `search` gives the ranked passages; `overview` a "
            "meeting's summary, speakers, decisions, action items and topics, every line a "
            "cited quote. Filter by `speaker` and `document` with names from `list_speakers` "
            "and `list_documents`."
        ),
        log_level="WARNING",
    )

    @server.tool(annotations=READ_ONLY)
    def search(
        query: str, speaker: str | None = None, document: str | None = None, k: int | None = None
    ) -> dict[str, Any]:
        """The passages that best match a query, best first, with speaker, document, offsets
        and time or page. `speaker`: a name or surname (or 'document' for text no one said);
        `document`: a file name or title; `k`: 1 to 50 passages (default 5)."""
        with _errors():
            hits = corpus.current().search(
                checked_question(query), speaker=speaker, document=document, k=k
            )
            return {"passages": [{"rank": n, **h.to_dict()} for n, h in enumerate(hits, 1)]}

    @server.tool(annotations=READ_ONLY)
    def ask(
        question: str,
        speaker: str | None = None,
        document: str | None = None,
        k: int | None = None,
    ) -> dict[str, Any]:
        """A cited answer, quoting the transcripts verbatim and naming each quote's speaker,
        or a refusal (`refused: true`) when the transcripts do not cover the question. The
        fields are those of `webinar-rag ask --json`: answer, refused, citations (speaker,
        affiliation, quote, document, offsets, time, page), contexts, backend, notice."""
        with _errors():
            answer = corpus.current().ask(question, speaker=speaker, document=document, k=k)
            return answer.to_dict()

    @server.tool(annotations=READ_ONLY)
    def overview(
        documents: list[str] | None = None,
        speaker: str | None = None,
        words: int | None = None,
        llm: bool = False,
    ) -> dict[str, Any]:
        """A whole meeting at once: its summary (about `words` words, 10 to 2000, default
        150), one to three quotes per speaker, decisions, action items (owner, task, due date)
        and topics, each pointing at a numbered citation (speaker, affiliation, verbatim
        quote, document, offsets, time or page). `documents`: file names or titles (none:
        every document); `speaker`: only that person's words. The JSON of `webinar-rag
        summary --json`. `llm`: also `written`, the summary written by the server's LLM with
        every claim verified against the transcript (text with [n] markers, its citations,
        backend, removed claims, notice), as `webinar-rag summary --llm --json`; when no claim
        holds or the LLM fails, the extractive summary with a notice; an error when the server
        has no LLM endpoint."""
        with _errors():
            assistant = corpus.current()
            if llm and not assistant.settings.llm.configured:
                raise LLMNotConfigured(NO_LLM)
            result = assistant.overview(documents or (), speaker, words).to_dict()
            if llm:
                result["written"] = asdict(assistant.written_summary(documents or (), speaker))
            return result

    @server.tool(annotations=READ_ONLY)
    def list_documents() -> dict[str, Any]:
        """The documents of the corpus: file name, title, format, speakers, turns, chunks, and
        the resource URI of the transcript's text."""
        return {"documents": document_records(corpus.current().store)}

    @server.tool(annotations=READ_ONLY)
    def list_speakers() -> dict[str, Any]:
        """The speakers of each document, with affiliation and number of turns."""
        return {"documents": speaker_records(corpus.current().store)}

    if allow_ingest:

        @server.tool(annotations=ToolAnnotations(destructive_hint=False, open_world_hint=False))
        def ingest(paths: list[str] | None = None) -> dict[str, Any]:
            """Read transcripts into the index: files or folders inside the corpus folder
            (relative to it), or the whole folder when `paths` is empty. Incremental: only new
            and changed files are embedded."""
            with _errors():
                report = run_ingest(
                    _inside_corpus(paths, settings), settings, embedder=corpus.assistant.embedder
                )
                corpus.current()
                return {
                    "documents": len(report.sources),
                    "files": [
                        {"name": f.name, "status": f.status, "error": f.error} for f in report.files
                    ],
                }

    @server.resource(f"{SCHEME}://{{name}}", mime_type="text/plain")
    def transcript(name: str) -> str:
        """A transcript's text, as the citations' offsets count it."""
        store = corpus.current().store
        if name not in store.sources:
            raise ResourceNotFoundError(
                f"No document named {name!r}. Use a name from list_documents."
            )
        return store.sources[name].text

    for source in assistant.store.sources.values():  # listed too, for clients that browse
        server.add_resource(
            FunctionResource.from_function(
                _reader(transcript, source.name),
                uri=resource_uri(source.name),
                name=source.name,
                title=source.label,
                mime_type="text/plain",
            )
        )
    return server


def _reader(read: Any, name: str) -> Any:
    def text() -> str:
        return str(read(name))

    return text


def resource_uri(name: str) -> str:
    return f"{SCHEME}://{quote(name, safe='')}"


def document_records(store: Store) -> list[dict[str, Any]]:
    chunks: dict[str, int] = {}
    for c in store.chunks:
        chunks[c.source] = chunks.get(c.source, 0) + 1
    return [
        {
            "name": s.name,
            "title": s.label,
            "format": s.format,
            "speakers": len({t.speaker for t in s.turns if t.speaker}),
            "turns": len(s.turns),
            "chunks": chunks.get(s.name, 0),
            "uri": resource_uri(s.name),
        }
        for s in store.sources.values()
    ]


def speaker_records(store: Store) -> list[dict[str, Any]]:
    records = []
    for source in store.sources.values():
        turns: dict[str, list[Any]] = {}
        for t in source.turns:
            if t.speaker:
                turns.setdefault(t.speaker, []).append(t)
        speakers = [
            {"name": n, "affiliation": ts[0].affiliation, "turns": len(ts)}
            for n, ts in turns.items()
        ]
        records.append({"document": source.name, "title": source.label, "speakers": speakers})
    return records


def _inside_corpus(paths: list[str] | None, settings: Settings) -> list[Path] | None:
    """Paths the client names, each inside the corpus folder (an agent may not read the rest
    of the disk into the index)."""
    if not paths:
        return None
    root = settings.ingest.corpus.resolve()
    found = []
    for p in paths:
        path = (root / p).resolve()
        if path != root and root not in path.parents:
            raise WebinarRagError(
                f"{p!r} is outside the corpus folder {settings.ingest.corpus}: name a file or "
                "folder inside it."
            )
        found.append(path)
    return found


class _errors:
    """A product error is the tool's error, with the product's message."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, _: Any) -> None:
        if isinstance(exc, WebinarRagError):
            raise ToolError(str(exc)) from exc
