"""The Gradio page around one loaded assistant, and what its events do.

`Chat` holds the handlers (no session state: that travels in gr.State); `build_app` lays out
the components and wires them to the handlers. The HTML they show comes from `ui.render`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from importlib import resources
from typing import Any

import gradio as gr

from ingest import WebinarRagError
from retrieval import DOCUMENT, Answer, Assistant
from ui.render import (
    NO_CITATION,
    WAITING,
    Citations,
    answer_html,
    citation_choices,
    error_html,
    header_html,
    notice_html,
    passage_html,
    question_html,
    streaming_html,
)

ALL = "all"  # the speaker filter's "everyone" value (DOCUMENT is retrieval's own value)
EXAMPLES = [
    "What does Japan's AI bill enforce?",
    "How is the EU AI Act enforced?",
    "What did Ichikawa say about Japan's approach to AI governance?",
    "What does Fujitsu want from EU-Japan cooperation?",
    "Who co-organized the webinar?",
]
FILTERED = "Only the words of {speaker} were searched; choose All speakers to search everyone."
EMPTY_QUESTION = "Type a question first, for example: What does Japan's AI bill enforce?"
INTERNAL_ERROR = (
    "Something went wrong on our side while answering. The details are in the server log; "
    "please try again or rephrase the question."
)
CONCURRENCY = 4  # answers computed at once; more wait in the queue

# System fonts: the UI works offline, with nothing fetched from a font service.
THEME = gr.themes.Soft(
    primary_hue="indigo",
    neutral_hue="slate",
    font=["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
)
# Read through importlib.resources, so an installed (even zipped) copy finds it too.
CSS = resources.files("ui").joinpath("style.css").read_text(encoding="utf-8")
# Bring the marked quote into view inside the scrolling panel whenever a citation opens.
# A constant, not a .js file: eight lines of a Gradio js_on_load body (`watch` and `element`
# are Gradio's), used once, read best beside the component that runs it.
SCROLL_TO_MARK = """
watch('value', () => {
  const mark = element.querySelector('mark');
  const box = element.closest('#wr-passage');
  if (mark && box) {
    box.scrollTop += mark.getBoundingClientRect().top - box.getBoundingClientRect().top - 60;
  }
});
"""

log = logging.getLogger("webinar_rag.app")  # the name from before the split, kept for log setups


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
        history.append({"role": "user", "content": question_html(question)})
        history.append({"role": "assistant", "content": WAITING})
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
                history[-1] = {"role": "assistant", "content": streaming_html(streamed)}
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
    """The UI around one loaded assistant; `app.launch()` serves it with THEME and CSS."""
    chat = Chat(assistant)
    llm = assistant.settings.llm
    speakers = [("All speakers", ALL)] + [(n, n) for n in assistant.speakers.names]
    speakers.append(("Document (title, organisers, notes)", DOCUMENT))
    backends = [("Offline: quotes from the transcript", "extractive"), (f"LLM: {llm.model}", "llm")]

    with gr.Blocks(title="webinar-rag", analytics_enabled=False) as demo:
        gr.HTML(header_html(assistant.index.sources))
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
