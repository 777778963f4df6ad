"""Serve the Gradio chat UI, a thin face over `Assistant`; the page itself is the `ui` package.

    python app.py [--host HOST] [--port PORT] [--index DIR]     # or `webinar-rag serve`

Bound to 127.0.0.1:7860 by default, never shared; WEBINAR_RAG_USER and WEBINAR_RAG_PASSWORD
turn on a login. The model loads once; each request answers from the newest index, so a
document added in the page or by `webinar-rag ingest` is used without a restart. Adding and
removing documents in the page is off when the server is reachable from other machines without
a login. Chat history lives in each browser session.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import gradio as gr

from ingest import MAX_FILE_MB, WebinarRagError
from retrieval import Assistant, Settings
from ui import CSS, THEME, build_app  # build_app re-exported: `app.build_app(assistant)`

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")  # reachable from this machine only


def auth_from_env(env: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """Basic auth when both WEBINAR_RAG_USER and WEBINAR_RAG_PASSWORD are set."""
    env = os.environ if env is None else env
    user, password = env.get("WEBINAR_RAG_USER", ""), env.get("WEBINAR_RAG_PASSWORD", "")
    if bool(user) != bool(password):
        missing = "WEBINAR_RAG_PASSWORD" if user else "WEBINAR_RAG_USER"
        raise WebinarRagError(
            f"Only one of WEBINAR_RAG_USER and WEBINAR_RAG_PASSWORD is set; set {missing} too "
            "to require a login, or unset both to serve without one."
        )
    return (user, password) if user else None


def address(
    host: str | None = None, port: int | None = None, env: Mapping[str, str] | None = None
) -> tuple[str, int]:
    """Arguments win over WEBINAR_RAG_HOST / WEBINAR_RAG_PORT, which win over 127.0.0.1:7860."""
    env = os.environ if env is None else env
    host = host or env.get("WEBINAR_RAG_HOST") or DEFAULT_HOST
    raw = port if port is not None else env.get("WEBINAR_RAG_PORT") or DEFAULT_PORT
    try:
        number = int(raw)
    except ValueError:
        number = -1
    if not 1 <= number <= 65535:
        raise WebinarRagError(f"Port {raw!r} is not a port number; use 1-65535, e.g. 7860.")
    return host, number


def allows_changes(host: str, auth: tuple[str, str] | None) -> bool:
    """Whether the page may add and remove documents: only when no stranger can reach it,
    because it listens on this machine alone or asks for a login."""
    return host in LOCAL_HOSTS or auth is not None


def launch(
    demo: gr.Blocks,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    auth: tuple[str, str] | None = None,
    prevent_thread_lock: bool = False,
    max_file_mb: float = MAX_FILE_MB,
) -> str:
    """Start serving (never a public share link); returns the local URL. Uploads over
    `max_file_mb` (ingest's limit for one transcript) are refused by Gradio itself."""
    _, url, _ = demo.launch(
        server_name=host,
        server_port=port,
        share=False,
        auth=auth,
        auth_message="Log in with WEBINAR_RAG_USER and WEBINAR_RAG_PASSWORD." if auth else None,
        prevent_thread_lock=prevent_thread_lock,
        max_file_size=int(max_file_mb * 1_000_000),
        footer_links=["api"],
        theme=THEME,
        css=CSS,
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
    host, number = address(host, port)
    auth = auth_from_env()
    settings = Settings().at_index(index).at_corpus(corpus)
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
        url = launch(demo, host, number, auth, True, settings.ingest.max_file_mb)
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
    p.add_argument("--host", help=f"address to bind (env WEBINAR_RAG_HOST, default {DEFAULT_HOST})")
    p.add_argument("--port", type=int, help=f"port (env WEBINAR_RAG_PORT, default {DEFAULT_PORT})")
    p.add_argument("--index", type=Path, help="index folder (default index/)")
    p.add_argument("--corpus", type=Path, help="where uploaded transcripts go (default corpus/)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return serve(args.host, args.port, args.index, args.corpus)
    except WebinarRagError as exc:
        print(f"webinar-rag: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    sys.exit(main())
