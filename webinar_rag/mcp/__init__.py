"""`webinar-rag mcp`: the corpus as a Model Context Protocol server, over stdio (what desktop
clients start) or streamable HTTP on 127.0.0.1."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from retrieval import Assistant
from webinar_rag.core import ConfigError, Settings
from webinar_rag.mcp.server import build_server, document_records, resource_uri, speaker_records

__all__ = [
    "build_server",
    "document_records",
    "resource_uri",
    "serve",
    "speaker_records",
]


def serve(
    index: Path | None = None,
    corpus: Path | None = None,
    http_port: int | None = None,
    allow_ingest: bool = False,
) -> int:
    """Load once, then serve until the client goes away (stdio) or the process is stopped
    (HTTP). Over stdio, stdout is the protocol's: anything a library prints while loading goes
    to stderr instead."""
    if http_port is not None and not 0 < http_port < 65536:
        raise ConfigError(f"--http {http_port} is not a port: use 1 to 65535.")
    settings = Settings.from_env().at_index(index).at_corpus(corpus)
    with contextlib.redirect_stdout(sys.stderr):
        assistant = Assistant.load(settings)
    server = build_server(assistant, settings, allow_ingest=allow_ingest)
    if http_port is None:
        server.run("stdio")
    else:
        print(f"MCP server on http://127.0.0.1:{http_port}/mcp", file=sys.stderr, flush=True)
        server.run("streamable-http", host="127.0.0.1", port=http_port)
    return 0
