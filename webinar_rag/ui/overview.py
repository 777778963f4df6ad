"""The Overview tab: a meeting's summary, what each speaker said, decisions and action items,
and topics (`Assistant.overview`), for the chosen documents and speaker; with Compare, one
overview per document side by side (`compared`, as `webinar-rag summary --compare`); with an
LLM configured, the summary written by it (`Assistant.written_summary`). Every quote opens in
its passage the way the chat's citations do (the same radio values and `Chat.open_citation`),
and the export is the Markdown `webinar-rag summary --markdown` writes (`Overview.markdown`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from retrieval import DEFAULT_WORDS, MAX_WORDS, compared
from webinar_rag.core import Citation, WebinarRagError
from webinar_rag.ui.chat import Chat
from webinar_rag.ui.filters import ALL, chosen, document_choices
from webinar_rag.ui.live import Live
from webinar_rag.ui.overview_render import (
    NO_ITEMS,
    NOTHING,
    compare_html,
    key_choices,
    overview_html,
    written_html,
)
from webinar_rag.ui.render import NO_CITATION, citation_choices, error_html, notice_html

NOT_YET = '<div class="wr-ctx-empty">Choose the documents, then press Show overview.</div>'
FAILED = "Could not make the overview."
NOT_WRITTEN = "Could not write the summary."
NO_LLM = "No LLM endpoint is configured: the written summary needs one (OPENAI_BASE_URL)."
INTERNAL_ERROR = "Something went wrong on our side; the details are in the server log."
COLUMNS = "ABCDEFGHIJKLMNOPQRSTUVXYZ"  # compared overviews' quote keys A3, B3... (W: written)
WRITTEN = "W"  # the key of the written summary's quotes: W1...
# The tab's citations: (key prefix, citations) per numbering shown; the radio value "i:n" is
# citation n of the i-th, and its label "[{prefix}{n}]" the key its quotes carry (data-n).
Shown = list[tuple[str, tuple[Citation, ...]]]

log = logging.getLogger("webinar_rag.app")

# A click on a quote (anything with data-n) opens that citation: it clicks the radio item of
# the same number, so the passage opens through the same event as a click on the list.
OPEN_ON_CLICK = """
element.addEventListener('click', (event) => {
  const hit = event.target instanceof Element ? event.target.closest('[data-n]') : null;
  if (!hit) return;
  const labels = document.querySelectorAll('#wr-ov-cites label');
  const label = [...labels].find((l) => l.textContent.trim().startsWith(`[${hit.dataset.n}]`));
  if (label) label.click();
});
"""


class OverviewTab:
    """The tab's components and handlers, over the live assistant."""

    def __init__(self, live: Live, chat: Chat) -> None:
        self.live, self.chat = live, chat
        self._folder = Path(tempfile.mkdtemp(prefix="webinar-rag-overview-"))

    def build(self, scroll_js: str) -> None:
        """The components, inside the page's `gr.Tabs()`; `wire` binds them later."""
        assistant = self.live()
        with gr.Tab("Overview", id="overview") as self.tab, gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                with gr.Row(elem_id="wr-ov-options"):
                    self.documents = gr.Dropdown(
                        _documents(assistant),
                        value=[],
                        multiselect=True,
                        label="Documents (none chosen: all of them)",
                        elem_id="wr-ov-documents",
                    )
                    self.speaker = gr.Dropdown(
                        _speakers(assistant),
                        value=ALL,
                        label="Only the words of",
                        elem_id="wr-ov-speaker",
                    )
                    self.words = gr.Slider(
                        10, MAX_WORDS, value=DEFAULT_WORDS, step=10, label="Summary words"
                    )
                    self.compare = gr.Checkbox(
                        False,
                        label="Compare: one overview per chosen document, side by side",
                        elem_id="wr-ov-compare",
                    )
                with gr.Row():
                    self.show_button = gr.Button(
                        "Show overview", variant="primary", elem_id="wr-ov-show"
                    )
                    self.export = gr.DownloadButton(
                        "Export as Markdown", interactive=False, elem_id="wr-ov-export"
                    )
                    self.write = gr.Button(  # shown when an LLM is, as the chat's backend
                        "Write with the LLM",
                        visible=assistant.settings.llm.configured,
                        elem_id="wr-ov-write",
                    )
                self.written = gr.HTML("", elem_id="wr-ov-written", js_on_load=OPEN_ON_CLICK)
                self.body = gr.HTML(NOT_YET, elem_id="wr-overview", js_on_load=OPEN_ON_CLICK)
            with gr.Column(scale=2, min_width=320):
                self.cited = gr.State([])
                self.opened = gr.Radio(
                    [],
                    label="Citations: click one (or a quote) to read it in the transcript",
                    elem_id="wr-ov-cites",
                )
                self.passage = gr.HTML(NO_CITATION, elem_id="wr-ov-passage", js_on_load=scroll_js)

    def wire(self, busy: dict[str, Any], private: dict[str, Any]) -> None:
        outputs = [self.body, self.cited, self.opened, self.passage, self.export, self.written]
        self.show_button.click(
            self.show,
            [self.documents, self.speaker, self.words, self.compare],
            outputs,
            **busy,
            **private,
        )
        self.write.click(
            self.write_summary,
            [self.documents, self.speaker, self.cited],
            [self.written, self.cited, self.opened, self.passage],
            **busy,
            **private,
        )
        self.opened.select(self.open_citation, [self.opened, self.cited], self.passage, **private)
        self.tab.select(
            self.choices, [self.documents, self.speaker], [self.documents, self.speaker], **private
        )

    def choices(self, documents: list[str] | None, speaker: str | None) -> tuple[Any, Any]:
        """The filters' choices from the live index (read when the tab opens), values kept
        where still offered."""
        assistant = self.live()
        docs, speakers = _documents(assistant), _speakers(assistant)
        names = {v for _, v in docs}
        keep = [d for d in documents or [] if d in names]
        who = speaker if speaker in {v for _, v in speakers} else ALL
        return gr.update(choices=docs, value=keep), gr.update(choices=speakers, value=who)

    def show(
        self,
        documents: list[str] | None,
        speaker: str | None,
        words: float,
        compare: bool = False,
    ) -> tuple[Any, ...]:
        """(overview HTML, its citations, the citation list, passage panel, export button,
        written summary): one overview, or with `compare` one per document side by side."""
        assistant = self.live()
        who, size = chosen(speaker), int(words or 0) or None
        try:
            if compare and len(set(documents or ())) > len(COLUMNS):
                raise WebinarRagError(f"Compare at most {len(COLUMNS)} documents at once.")
            if compare:
                overviews = compared(assistant.overview, documents or (), who, size)
            else:
                overviews = [assistant.overview(documents or (), who, size)]
        except WebinarRagError as exc:
            return _failed(error_html(str(exc), FAILED))
        except Exception:  # a bug of ours: the traceback goes to the log, never to the page
            log.exception("the overview of %r failed", documents)
            return _failed(error_html(INTERNAL_ERROR, FAILED))
        if not any(o.citations for o in overviews):
            return _failed(notice_html(NOTHING))
        if compare:
            keys = COLUMNS[: len(overviews)]
            html = compare_html(overviews, keys)
        else:
            keys, html = "", overview_html(overviews[0], len(overviews[0].documents) > 1)
        shown: Shown = [(k, o.citations) for k, o in zip(keys or [""], overviews, strict=True)]
        markdown = "\n\n".join(o.markdown() for o in overviews)  # as summary --markdown prints
        return (
            html,
            shown,
            gr.update(choices=_choices(shown), value=None),
            NO_CITATION,
            gr.update(value=str(self.exported(markdown)), interactive=True),
            "",
        )

    def write_summary(
        self, documents: list[str] | None, speaker: str | None, shown: Shown | None
    ) -> tuple[Any, ...]:
        """(written summary HTML, the citations with its own, the citation list, passage)."""
        assistant = self.live()
        kept: Shown = [(k, c) for k, c in shown or [] if k != WRITTEN]
        if not assistant.settings.llm.configured:
            return error_html(NO_LLM, NOT_WRITTEN), kept, gr.update(), gr.update()
        try:
            written = assistant.written_summary(documents or (), chosen(speaker))
        except WebinarRagError as exc:
            return error_html(str(exc), NOT_WRITTEN), kept, gr.update(), gr.update()
        except Exception:  # a bug of ours: the traceback goes to the log, never to the page
            log.exception("the written summary of %r failed", documents)
            return error_html(INTERNAL_ERROR, NOT_WRITTEN), kept, gr.update(), gr.update()
        many = len({c.document for c in written.citations}) > 1
        kept.append((WRITTEN, written.citations))
        choices = gr.update(choices=_choices(kept), value=None)
        return written_html(written, WRITTEN, many), kept, choices, NO_CITATION

    def open_citation(self, value: str | None, shown: Shown | None) -> str:
        """A "i:n" radio value -> the passage panel with that citation marked."""
        return self.chat.open_citation(value, [c for _, c in shown or []])

    def exported(self, text: str) -> Path:
        """Markdown in a file for the download button (one file per content, written whole
        before it is renamed into place)."""
        folder = self._folder / hashlib.sha256(text.encode()).hexdigest()[:16]
        path = folder / "overview.md"
        if not path.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            part = folder / f".overview.{os.getpid()}.part"
            part.write_text(text, encoding="utf-8")
            os.replace(part, path)
        return path


def _documents(assistant: Any) -> list[tuple[str, str]]:
    return [c for c in document_choices(assistant) if c[1] != ALL]


def _speakers(assistant: Any) -> list[tuple[str, str]]:
    names = sorted(assistant.speakers.names, key=str.casefold)
    return [("All speakers", ALL), *((n, n) for n in names)]


def _choices(shown: Shown) -> list[tuple[str, str]]:
    return [
        item
        for i, (key, citations) in enumerate(shown)
        for item in key_choices(key, citation_choices(i, citations))
    ]


def _failed(message: str) -> tuple[Any, ...]:
    return (
        message,
        [],
        gr.update(choices=[], value=None),
        NO_CITATION,
        gr.update(value=None, interactive=False),
        "",
    )


__all__ = ["NO_ITEMS", "OverviewTab", "overview_html"]
