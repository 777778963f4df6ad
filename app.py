"""Gradio chat UI: a thin face over `Assistant`, with speaker citations that open in context.

    python app.py [--host HOST] [--port PORT] [--index DIR]     # or `webinar-rag serve`

Bound to 127.0.0.1:7860 by default, never shared; WEBINAR_RAG_USER and WEBINAR_RAG_PASSWORD
turn on a login. The model and index load once; chat history lives in each browser session.
"""

from __future__ import annotations

import argparse
import html
import logging
import os
import socket
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import gradio as gr

from ingest import Source, WebinarRagError
from retrieval import DOCUMENT, Answer, Assistant, Citation, Settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
ALL = "all"  # the speaker filter's "everyone" value (DOCUMENT is retrieval's own value)
EXAMPLES = [
    "What does Japan's AI bill enforce?",
    "How is the EU AI Act enforced?",
    "What did Ichikawa say about Japan's approach to AI governance?",
    "What does Fujitsu want from EU-Japan cooperation?",
    "Who co-organized the webinar?",
]
CONTEXT = 300  # characters of the neighbouring paragraphs shown around a quote
NO_CITATION = '<div class="wr-ctx-empty">Click a citation to read it in the transcript.</div>'
FILTERED = "Only the words of {speaker} were searched; choose All speakers to search everyone."
EMPTY_QUESTION = "Type a question first, for example: What does Japan's AI bill enforce?"
INTERNAL_ERROR = (
    "Something went wrong on our side while answering. The details are in the server log; "
    "please try again or rephrase the question."
)
CONCURRENCY = 4  # answers computed at once; more wait in the queue
Citations = tuple[Citation, ...] | None  # per chat message: the answer's citations, or None

log = logging.getLogger("webinar_rag.app")


# -- rendering: plain functions from answers to HTML, everything escaped -------------------------


def _text(text: str) -> str:
    """Escaped, whitespace folded: no blank line may end the chat's HTML block early."""
    return html.escape(" ".join(text.split()))


def speaker_label(c: Citation) -> str:
    return c.speaker or "Document"


def answer_html(answer: Answer) -> str:
    """The chat message for an answer: text, notice, numbered citation cards, provenance."""
    if answer.refused:
        body = (
            '<div class="wr-refusal"><div class="wr-refusal-title">'
            "Not covered by the transcript</div>"
            f"<div>{_text(answer.text)}</div></div>"
        )
    else:
        lines = "<br>".join(_text(line) for line in answer.text.splitlines() if line.strip())
        body = f'<div class="wr-answer">{lines}</div>'
    if answer.notice:
        body += notice_html(answer.notice)
    cards = "".join(
        f'<div class="wr-card"><div class="wr-card-head"><span class="wr-n">{c.n}</span>'
        f'<span class="wr-who">{html.escape(speaker_label(c))}</span>'
        f'<span class="wr-aff">{_text(c.affiliation or c.source)}</span></div>'
        f'<div class="wr-quote">“{_text(c.quote)}”</div></div>'
        for c in answer.citations
    )
    if cards:
        body += f'<div class="wr-cards">{cards}</div>'
    total = answer.timings_ms.get("total")
    took = f" · {total / 1000:.1f} s" if total is not None else ""
    return f'<div class="wr-msg">{body}<div class="wr-meta">{answer.backend}{took}</div></div>'


def notice_html(text: str) -> str:
    return f'<div class="wr-notice">{_text(text)}</div>'


def error_html(text: str) -> str:
    return f'<div class="wr-error"><b>Could not answer.</b> {_text(text)}</div>'


def passage_html(source: Source, c: Citation) -> str:
    """The quote in its turn: the speaker's heading, the paragraph around the quote marked,
    and the end of the paragraph before and the start of the one after, faded."""
    text = source.text
    turn = source.turn_at(c.start_char, c.end_char)
    if turn is None:  # not inside any turn (should not happen): the quote and its surroundings
        paragraphs = [(max(0, c.start_char - CONTEXT), min(len(text), c.end_char + CONTEXT))]
        who, affiliation = speaker_label(c), c.affiliation
    else:
        heading = turn.heading or (0, 0)
        paragraphs = [  # the name line is the heading, unless the quote is in it
            p for p in turn.paragraphs if not heading[0] <= p[0] < heading[1] or _overlaps(p, c)
        ]
        who, affiliation = turn.speaker or "Document", turn.affiliation
    hit = [i for i, p in enumerate(paragraphs) if _overlaps(p, c)] or [0]
    body = "".join(f"<p>{_marked(text, p, c)}</p>" for p in paragraphs[hit[0] : hit[-1] + 1])
    if hit[0] > 0:
        start, end = paragraphs[hit[0] - 1]
        cut = _word_start(text, max(start, end - CONTEXT), end)
        more = "… " if cut > start or hit[0] > 1 else ""
        body = f'<p class="wr-faded">{more}{html.escape(text[cut:end])}</p>{body}'
    if hit[-1] + 1 < len(paragraphs):
        start, end = paragraphs[hit[-1] + 1]
        cut = _word_end(text, start, min(end, start + CONTEXT))
        more = " …" if cut < end or hit[-1] + 2 < len(paragraphs) else ""
        body += f'<p class="wr-faded">{html.escape(text[start:cut])}{more}</p>'
    return (
        '<div class="wr-ctx">'
        f'<div class="wr-ctx-head"><div class="wr-ctx-who">{html.escape(who)}</div>'
        f'<div class="wr-ctx-aff">{html.escape(affiliation or source.name)}</div></div>'
        f'<div class="wr-ctx-meta">Citation [{c.n}] · {html.escape(source.name)}, characters '
        f"{c.start_char}–{c.end_char}</div>"
        f'<div class="wr-ctx-body">{body}</div></div>'
    )


def _overlaps(span: tuple[int, int], c: Citation) -> bool:
    return span[0] < c.end_char and c.start_char < span[1]


def _marked(text: str, span: tuple[int, int], c: Citation) -> str:
    start, end = span
    lo, hi = max(start, c.start_char), min(end, c.end_char)
    if lo >= hi:
        return html.escape(text[start:end])
    return (
        f"{html.escape(text[start:lo])}<mark>{html.escape(text[lo:hi])}</mark>"
        f"{html.escape(text[hi:end])}"
    )


def _word_start(text: str, pos: int, end: int) -> int:
    """`pos`, moved forward to the start of a word, so a cut never splits one."""
    if pos == 0 or text[pos - 1].isspace():
        return pos
    space = text.find(" ", pos, end)
    return space + 1 if space >= 0 else pos


def _word_end(text: str, start: int, pos: int) -> int:
    if pos >= len(text) or text[pos].isspace():
        return pos
    space = text.rfind(" ", start, pos)
    return space if space > start else pos


def citation_choices(index: int, citations: Citations) -> list[tuple[str, str]]:
    """Radio items "[n] Speaker"; the value names the chat message and the citation."""
    return [(f"[{c.n}] {speaker_label(c)}", f"{index}:{c.n}") for c in citations or ()]


# -- the app ---------------------------------------------------------------------------------


class Chat:
    """What the UI's events do. Handlers only read the assistant: each session's history and
    citations come in as arguments and go back as outputs (gr.State), never stored here."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    def respond(
        self,
        question: str,
        history: list[dict[str, Any]],
        cited: list[Citations],
        speaker: str = ALL,
        backend: str = "",
        k: float = 0,
    ) -> Iterator[tuple[Any, ...]]:
        """Yields (history, cited, citation list, passage panel, question box) as it streams."""
        history, cited = [*(history or [])], [*(cited or [])]
        question = (question or "").strip()
        if not question:
            history.append({"role": "assistant", "content": notice_html(EMPTY_QUESTION)})
            yield _outputs(history, [*cited, None])
            return
        history.append({"role": "user", "content": html.escape(question)})
        history.append({"role": "assistant", "content": '<div class="wr-wait">Searching…</div>'})
        cited += [None, None]
        yield _outputs(history, cited, gr.update(choices=[], value=None), NO_CITATION)
        options: dict[str, Any] = {
            "speaker": None if speaker == ALL else speaker,
            "k": int(k) or None,
            "backend": backend if backend in ("extractive", "llm") else None,
        }
        streamed = ""
        try:
            for piece in self.assistant.stream(question, **options):
                if isinstance(piece, Answer):
                    if piece.refused and options["speaker"] and not piece.notice:
                        who = "the document itself" if speaker == DOCUMENT else speaker
                        piece = replace(piece, notice=FILTERED.format(speaker=who))
                    history[-1] = {"role": "assistant", "content": answer_html(piece)}
                    cited[-1] = piece.citations
                    choices = citation_choices(len(history) - 1, piece.citations)
                    yield _outputs(
                        history, cited, gr.update(choices=choices, value=None), NO_CITATION
                    )
                    return
                streamed += piece
                content = f'<div class="wr-answer">{_text(streamed)}</div>'
                history[-1] = {"role": "assistant", "content": content}
                yield _outputs(history, cited)
        except WebinarRagError as exc:  # an unknown speaker, say: the message names the fix
            history[-1] = {"role": "assistant", "content": error_html(str(exc))}
        except Exception:  # a bug of ours: the traceback goes to the log, never to the page
            log.exception("answering %r failed", question)
            history[-1] = {"role": "assistant", "content": error_html(INTERNAL_ERROR)}
        yield _outputs(history, cited)

    def open_citation(self, value: str | None, cited: list[Citations]) -> str:
        """A "message:n" radio value -> the passage panel with that citation marked."""
        try:
            message, n = (int(part) for part in (value or "").split(":"))
        except ValueError:
            return NO_CITATION
        citations = cited[message] if 0 <= message < len(cited) else None
        c = next((c for c in citations or () if c.n == n), None)
        if c is None or c.source not in self.assistant.index.sources:
            return NO_CITATION
        return passage_html(self.assistant.index.sources[c.source], c)

    def pick_message(self, cited: list[Citations], evt: gr.SelectData) -> tuple[Any, Any]:
        """Clicking an earlier answer lists its citations again."""
        index = evt.index if isinstance(evt.index, int) else -1
        if not 0 <= index < len(cited) or not cited[index]:
            return gr.update(), gr.update()
        return gr.update(choices=citation_choices(index, cited[index]), value=None), NO_CITATION

    def ask(
        self, question: str, speaker: str | None = None, k: int | None = None
    ) -> dict[str, Any]:
        """Answer a question from the transcript: the JSON of `webinar-rag ask --json`."""
        if k is not None and k < 1:
            raise gr.Error(f"k must be at least 1, not {k}.")
        try:
            return self.assistant.ask(question, speaker=speaker or None, k=k).to_dict()
        except WebinarRagError as exc:
            raise gr.Error(str(exc)) from exc


def _outputs(
    history: list[dict[str, Any]], cited: list[Citations], citations: Any = None, panel: Any = None
) -> tuple[Any, ...]:
    """One update of (chat, citations per message, citation list, passage panel, question box);
    copies, so an update already sent never changes under Gradio's feet."""
    return [*history], [*cited], citations or gr.update(), panel or gr.update(), ""


def build_app(assistant: Assistant) -> gr.Blocks:
    """The UI around one loaded assistant; `launch()` serves it."""
    chat = Chat(assistant)
    llm = assistant.settings.llm
    speakers = [("All speakers", ALL)] + [(n, n) for n in assistant.speakers.names]
    speakers.append(("Document (title, organisers, notes)", DOCUMENT))
    backends = [("Offline: quotes from the transcript", "extractive"), (f"LLM: {llm.model}", "llm")]
    sources = ", ".join(assistant.index.sources)

    with gr.Blocks(title="webinar-rag", analytics_enabled=False) as demo:
        gr.HTML(
            '<div class="wr-header"><h1>Ask the webinar</h1><p>Answers quote the transcript '
            "word for word and name who said it. Click a citation to read it in context."
            f'<span class="wr-src">{html.escape(sources)}</span></p></div>'
        )
        cited = gr.State([])
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                chatbot = gr.Chatbot(
                    label="Conversation",
                    show_label=False,
                    height=520,
                    elem_id="wr-chat",
                    latex_delimiters=[],
                    feedback_options=None,
                    group_consecutive_messages=False,
                    placeholder="Ask a question about the webinar, or pick an example below.",
                )
                question = gr.Textbox(
                    show_label=False,
                    placeholder="Ask about the webinar, e.g. What does Japan's AI bill enforce?",
                    submit_btn="Ask",
                    elem_id="wr-question",
                    autofocus=True,
                )
                with gr.Row(elem_id="wr-options"):
                    speaker = gr.Dropdown(
                        speakers, value=ALL, label="Only the words of", elem_id="wr-speaker"
                    )
                    k = gr.Slider(
                        1, 10, value=assistant.settings.top_k, step=1, label="Passages to search"
                    )
                    backend = gr.Radio(
                        backends,
                        value="llm" if assistant.uses_llm() else "extractive",
                        label="Answer with",
                        visible=llm.configured,
                        elem_id="wr-backend",
                    )
                gr.Examples(EXAMPLES, inputs=[question], label="Examples")
            with gr.Column(scale=2, min_width=320):
                opened = gr.Radio(
                    [],
                    label="Citations: click one to read it in the transcript",
                    info="They appear here after each answer; click an earlier answer to list "
                    "its citations again.",
                    elem_id="wr-cites",
                )
                passage = gr.HTML(NO_CITATION, elem_id="wr-passage", js_on_load=SCROLL_TO_MARK)

        private: dict[str, Any] = {"api_visibility": "private"}
        question.submit(
            chat.respond,
            [question, chatbot, cited, speaker, backend, k],
            [chatbot, cited, opened, passage, question],
            concurrency_id="assistant",
            concurrency_limit=CONCURRENCY,
            **private,
        )
        opened.select(chat.open_citation, [opened, cited], passage, **private)
        chatbot.select(chat.pick_message, [cited], [opened, passage], **private)
        chatbot.clear(
            lambda: ([], gr.update(choices=[], value=None), NO_CITATION),
            None,
            [cited, opened, passage],
            **private,
        )
        gr.api(chat.ask, api_name="ask", concurrency_id="assistant", concurrency_limit=CONCURRENCY)
    return demo


# System fonts: the UI works offline, with nothing fetched from a font service.
THEME = gr.themes.Soft(
    primary_hue="indigo",
    neutral_hue="slate",
    font=["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
)
# Bring the marked quote into view inside the scrolling panel whenever a citation opens.
SCROLL_TO_MARK = """
watch('value', () => {
  const mark = element.querySelector('mark');
  const box = element.closest('#wr-passage');
  if (mark && box) {
    box.scrollTop += mark.getBoundingClientRect().top - box.getBoundingClientRect().top - 60;
  }
});
"""
CSS = """
.wr-header h1 { margin: 0 0 .2rem; font-size: 1.6rem; }
.wr-header p { margin: 0; color: var(--body-text-color-subdued); }
.wr-src { display: block; font-size: .8rem; margin-top: .2rem; opacity: .8; }
.wr-answer { line-height: 1.55; }
.wr-wait { opacity: .7; font-style: italic; }
.wr-cards { display: flex; flex-direction: column; gap: .45rem; margin-top: .7rem; }
.wr-card { border: 1px solid var(--border-color-primary); border-left: 4px solid #6366f1;
  border-radius: 8px; padding: .45rem .65rem; background: var(--background-fill-secondary); }
.wr-card-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: .4rem; }
.wr-n { display: inline-block; min-width: 1.4rem; text-align: center; border-radius: 999px;
  background: #6366f1; color: #fff; font-size: .75rem; font-weight: 700; padding: 0 .35rem; }
.wr-who { font-weight: 700; }
.wr-aff { font-size: .8rem; color: var(--body-text-color-subdued); }
.wr-quote { margin-top: .25rem; font-style: italic; line-height: 1.45; }
.wr-meta { margin-top: .5rem; font-size: .72rem; color: var(--body-text-color-subdued); }
.wr-refusal { border: 1px solid #f59e0b; background: rgba(245, 158, 11, .12);
  border-radius: 8px; padding: .6rem .8rem; }
.wr-refusal-title { font-weight: 700; color: #b45309; margin-bottom: .2rem; }
.wr-notice { margin-top: .6rem; border: 1px solid #38bdf8; background: rgba(56, 189, 248, .12);
  border-radius: 8px; padding: .45rem .7rem; font-size: .9rem; }
.wr-error { border: 1px solid #ef4444; background: rgba(239, 68, 68, .1);
  border-radius: 8px; padding: .6rem .8rem; }
#wr-passage { border: 1px solid var(--border-color-primary); border-radius: 10px;
  padding: .8rem 1rem; max-height: 560px; overflow-y: auto !important;
  background: var(--block-background-fill); }
.wr-ctx-empty { color: var(--body-text-color-subdued); font-style: italic; }
.wr-ctx-who { font-size: 1.1rem; font-weight: 700; }
.wr-ctx-aff { font-size: .85rem; color: var(--body-text-color-subdued); }
.wr-ctx-meta { font-size: .75rem; color: var(--body-text-color-subdued); margin: .3rem 0 .6rem;
  padding-bottom: .4rem; border-bottom: 1px solid var(--border-color-primary); }
.wr-ctx-body p { margin: 0 0 .7rem; line-height: 1.55; }
.wr-ctx-body .wr-faded { opacity: .65; }
.wr-ctx-body mark { background: #fde68a; color: #111827; padding: .05rem .1rem;
  border-radius: 3px; }
"""


# -- starting it -----------------------------------------------------------------------------


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


def launch(
    demo: gr.Blocks,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    auth: tuple[str, str] | None = None,
    prevent_thread_lock: bool = False,
) -> str:
    """Start serving (never a public share link); returns the local URL."""
    _, url, _ = demo.launch(
        server_name=host,
        server_port=port,
        share=False,
        auth=auth,
        auth_message="Log in with WEBINAR_RAG_USER and WEBINAR_RAG_PASSWORD." if auth else None,
        prevent_thread_lock=prevent_thread_lock,
        footer_links=["api"],
        theme=THEME,
        css=CSS,
        quiet=True,
    )
    return url


def serve(host: str | None = None, port: int | None = None, index: Path | None = None) -> int:
    """`webinar-rag serve`: load once, then serve until Ctrl-C."""
    host, number = address(host, port)
    auth = auth_from_env()
    settings = Settings().at_index(index)
    if host not in ("127.0.0.1", "localhost", "::1") and auth is None:
        print(
            f"webinar-rag: warning: serving on {host} without a login; anyone who can reach "
            "this address can use it. Set WEBINAR_RAG_USER and WEBINAR_RAG_PASSWORD.",
            file=sys.stderr,
        )
    _check_free(host, number)  # before the model loads, so a busy port fails at once
    print("Loading the model and index…", flush=True)
    demo = build_app(Assistant.load(settings))
    try:
        url = launch(demo, host, number, auth, prevent_thread_lock=True)
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
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return serve(args.host, args.port, args.index)
    except WebinarRagError as exc:
        print(f"webinar-rag: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    sys.exit(main())
