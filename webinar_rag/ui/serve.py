"""Serve the Gradio chat UI, a thin face over `Assistant`; the page itself is this package.

    webinar-rag serve [--host HOST] [--port PORT] [--index DIR]    # or `python app.py`

Bound to 127.0.0.1:7860 by default, never shared; WEBINAR_RAG_USER and WEBINAR_RAG_PASSWORD
turn on a login. The model loads once; each request answers from the newest index, so a
document added in the page or by `webinar-rag ingest` is used without a restart. Adding and
removing documents in the page is off when the server is reachable from other machines without
a login. Chat history lives in each browser session.
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

import gradio as gr

from retrieval import Assistant
from webinar_rag.core import MAX_FILE_MB, ServeSettings, Settings, WebinarRagError
from webinar_rag.ui.layout import THEME, build_app, stylesheet

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")  # reachable from this machine only


def allows_changes(host: str, auth: tuple[str, str] | None) -> bool:
    """Whether the page may add and remove documents: only when no stranger can reach it,
    because it listens on this machine alone or asks for a login."""
    return host in LOCAL_HOSTS or auth is not None


def launch(
    demo: gr.Blocks,
    host: str = ServeSettings.host,
    port: int = ServeSettings.port,
    auth: tuple[str, str] | None = None,
    prevent_thread_lock: bool = False,
    max_file_mb: float = MAX_FILE_MB,
    corpus: Path | None = None,
) -> str:
    """Start serving (never a public share link); returns the local URL. Uploads over
    `max_file_mb` are refused by Gradio itself (ingest then applies each format's own limit).
    The files in `corpus` are served, so that a cited recording plays in the page; nothing
    outside it is."""
    _, url, _ = demo.launch(
        server_name=host,
        server_port=port,
        share=False,
        auth=auth,
        auth_message="Log in with WEBINAR_RAG_USER and WEBINAR_RAG_PASSWORD." if auth else None,
        prevent_thread_lock=prevent_thread_lock,
        max_file_size=int(max_file_mb * 1_000_000),
        allowed_paths=[str(corpus.resolve())] if corpus is not None else None,
        footer_links=["api"],
        theme=THEME,
        css=stylesheet(),
        quiet=True,
    )
    return url


def serve(
    host: str | None = None,
    port: int | None = None,
    index: Path | None = None,
    corpus: Path | None = None,
) -> int:
    """`webinar-rag serve`: load once, then serve until Ctrl-C. Uploaded transcripts go to
    `corpus` (default: WEBINAR_RAG_CORPUS or corpus/), which is ingested into `index`."""
    where = ServeSettings.from_env(host=host, port=port)
    host, number, auth = where.host, where.port, where.auth
    settings = Settings.from_env().at_index(index).at_corpus(corpus)
    changes = allows_changes(host, auth)
    if not changes:
        print(
            f"webinar-rag: warning: serving on {host} without a login; anyone who can reach "
            "this address can use it (adding and removing documents is off). Set "
            "WEBINAR_RAG_USER and WEBINAR_RAG_PASSWORD.",
            file=sys.stderr,
        )
    _check_free(host, number)  # before the model loads, so a busy port fails at once
    print("Loading the model and index…", flush=True)
    demo = build_app(Assistant.load(settings), allow_changes=changes)
    try:
        largest = max(settings.ingest.max_file_mb, settings.ingest.audio.max_recording_mb)
        url = launch(demo, host, number, auth, True, largest, settings.ingest.corpus)
    except OSError as exc:  # taken since the check
        raise WebinarRagError(_cannot_serve(host, number)) from exc
    print(f"Serving on {url} (Ctrl-C to stop)", flush=True)
    try:
        demo.block_thread()
    finally:
        demo.close()
    return 0


def _check_free(host: str, port: int) -> None:
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.create_server((host, port), family=family):
            pass
    except OSError as exc:
        raise WebinarRagError(_cannot_serve(host, port)) from exc


def _cannot_serve(host: str, port: int) -> str:
    return (
        f"Cannot serve on {host}:{port}: the port is in use or the address is not this "
        "machine's. Choose another with --port/WEBINAR_RAG_PORT or --host/WEBINAR_RAG_HOST."
    )


def parser(prog: str = "app.py") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description="Start the webinar-rag chat UI (Gradio).")
    host, port = ServeSettings.host, ServeSettings.port
    p.add_argument("--host", help=f"address to bind (env WEBINAR_RAG_HOST, default {host})")
    p.add_argument("--port", type=int, help=f"port (env WEBINAR_RAG_PORT, default {port})")
    p.add_argument("--index", type=Path, help="index folder (default index/)")
    p.add_argument("--corpus", type=Path, help="where uploaded transcripts go (default corpus/)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """`python app.py`: serve, with the server's log on the console."""
    configure_logging()
    args = parser().parse_args(argv)
    try:
        return serve(args.host, args.port, args.index, args.corpus)
    except WebinarRagError as exc:
        print(f"webinar-rag: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def configure_logging() -> None:
    """The server's log on the console; bm25s sets its own logger to DEBUG at import, which
    would print a line per index built."""
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("bm25s").setLevel(logging.WARNING)
