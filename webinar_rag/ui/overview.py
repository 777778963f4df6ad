"""The Overview tab: a meeting's summary, what each speaker said, decisions and action items,
and topics (`Assistant.overview`), for the chosen documents and speaker. Every quote opens in
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

from retrieval import DEFAULT_WORDS, MAX_WORDS, Overview
from webinar_rag.core import Citation, WebinarRagError, clock
from webinar_rag.ui.chat import Chat
from webinar_rag.ui.filters import ALL, chosen, document_choices
from webinar_rag.ui.live import Live
from webinar_rag.ui.render import (
    NO_CITATION,
    byline,
    citation_choices,
    error_html,
    notice_html,
    speaker_label,
    text_html,
)

NOT_YET = '<div class="wr-ctx-empty">Choose the documents, then press Show overview.</div>'
NO_ITEMS = (
    "No decisions or action items found: no one in these transcripts takes on or is given a "
    "task, or says something was decided, in so many words."
)
NOTHING = "Nothing in these transcripts to sum up under these filters."
FAILED = "Could not make the overview."
INTERNAL_ERROR = "Something went wrong on our side; the details are in the server log."
MESSAGE = 0  # the overview is "message 0" of its own citation list (values "0:n")

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
                with gr.Row():
                    self.show_button = gr.Button(
                        "Show overview", variant="primary", elem_id="wr-ov-show"
                    )
                    self.export = gr.DownloadButton(
                        "Export as Markdown", interactive=False, elem_id="wr-ov-export"
                    )
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
        outputs = [self.body, self.cited, self.opened, self.passage, self.export]
        self.show_button.click(
            self.show, [self.documents, self.speaker, self.words], outputs, **busy, **private
        )
        self.opened.select(
            self.chat.open_citation, [self.opened, self.cited], self.passage, **private
        )
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
        self, documents: list[str] | None, speaker: str | None, words: float
    ) -> tuple[Any, ...]:
        """(overview HTML, its citations, the citation list, passage panel, export button)."""
        assistant = self.live()
        try:
            overview = assistant.overview(documents or (), chosen(speaker), int(words or 0) or None)
        except WebinarRagError as exc:
            return _failed(error_html(str(exc), FAILED))
        except Exception:  # a bug of ours: the traceback goes to the log, never to the page
            log.exception("the overview of %r failed", documents)
            return _failed(error_html(INTERNAL_ERROR, FAILED))
        if not overview.citations:
            return _failed(notice_html(NOTHING))
        many = len(overview.documents) > 1
        choices = citation_choices(MESSAGE, overview.citations)
        return (
            overview_html(overview, many),
            [overview.citations],
            gr.update(choices=choices, value=None),
            NO_CITATION,
            gr.update(value=str(self.exported(overview)), interactive=True),
        )

    def exported(self, overview: Overview) -> Path:
        """The overview's Markdown in a file for the download button (one file per content,
        written whole before it is renamed into place)."""
        text = overview.markdown()
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


def _failed(message: str) -> tuple[Any, ...]:
    return (
        message,
        [],
        gr.update(choices=[], value=None),
        NO_CITATION,
        gr.update(value=None, interactive=False),
    )


def overview_html(overview: Overview, documents: bool = False) -> str:
    """The overview's four parts, each quote a clickable line (`data-n`: its citation)."""
    summary = "".join(_quote(overview.cited(n), documents) for n in overview.summary)
    voices = "".join(
        f'<div class="wr-ov-voice"><div><span class="wr-who">{text_html(v.speaker)}</span>'
        f'<span class="wr-aff"> {text_html(v.affiliation or "")}</span></div>'
        f"<ul>{''.join(_quote(overview.cited(n), documents, False) for n in v.citations)}</ul>"
        "</div>"
        for v in overview.speakers
    )
    parts = [
        ("Summary", f'<ul class="wr-ov-summary">{summary}</ul>'),
        ("Speakers", voices or notice_html(NOTHING)),
        ("Decisions and action items", _items_html(overview, documents)),
        ("Topics", _topics_html(overview)),
    ]
    titles = list(dict.fromkeys(c.document for c in overview.citations))
    head = f'<div class="wr-ov-title">{text_html(", ".join(titles))}</div>'
    if overview.speaker:
        head += f'<div class="wr-aff">Only the words of {text_html(overview.speaker)}</div>'
    body = "".join(f"<h3>{title}</h3>{part}" for title, part in parts)
    return f'<div class="wr-ov">{head}{body}</div>'


def _quote(c: Citation, documents: bool, with_speaker: bool = True) -> str:
    """One quote as a clickable line: who (unless under their own name already), when, what."""
    document = c.document if documents else ""
    if with_speaker:
        head = byline(c.speaker, c.affiliation, c.place.where, document)
    else:
        where = f'<span class="wr-where">{text_html(c.place.where)}</span>' if c.place.where else ""
        doc = f'<span class="wr-doc">{text_html(document)}</span>' if document else ""
        head = where + doc
    return (
        f'<li class="wr-ov-quote" data-n="{c.n}" title="Read it in the transcript">{head} '
        f'<span class="wr-quote">“{text_html(c.quote)}”</span> <span class="wr-n">{c.n}</span>'
        "</li>"
    )


def _items_html(overview: Overview, documents: bool) -> str:
    items = [*overview.decisions, *overview.actions]
    if not items:
        return f'<div class="wr-ov-none">{text_html(NO_ITEMS)}</div>'
    rows = []
    for i in sorted(items, key=lambda i: i.citation):
        c = overview.cited(i.citation)
        owner = "Decision" if i.kind == "decision" else speaker_label(i.owner)
        if i.assigned_by:
            owner += f" (asked by {i.assigned_by})"
        task = "" if i.kind == "decision" else i.task
        said = " ".join(_said_html(overview.cited(n), documents) for n in i.cites)
        rows.append(
            f'<tr class="wr-ov-item wr-ov-{i.kind}" data-n="{c.n}">'
            f'<td class="wr-ov-owner">{text_html(owner)}</td>'
            f'<td class="wr-ov-task">{text_html(task)}</td>'
            f'<td class="wr-ov-due">{text_html(i.due or "")}</td>'
            f"<td>{said}</td></tr>"
        )
    return (
        '<table class="wr-compare wr-ov-items"><thead><tr><th>Who</th><th>Task</th>'
        f"<th>Due</th><th>Said</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _said_html(c: Citation, documents: bool) -> str:
    return (
        f"{byline(c.speaker, None, c.place.where, c.document if documents else '')} "
        f'<span class="wr-quote">“{text_html(c.quote)}”</span> <span class="wr-n">{c.n}</span>'
    )


def _topics_html(overview: Overview) -> str:
    rows = []
    for t in overview.topics:
        when = t.where
        if t.start_time is not None and t.end_time is not None:
            when = f"[{clock(t.start_time)}–{clock(t.end_time)}]"
        rows.append(
            f'<li class="wr-ov-topic" data-n="{t.citation}"><b>{text_html(t.label)}</b> '
            f'<span class="wr-where">{text_html(when)}</span> '
            f'<span class="wr-n">{t.citation}</span></li>'
        )
    return f'<ul class="wr-ov-topics">{"".join(rows)}</ul>' if rows else ""


__all__ = ["NO_ITEMS", "OverviewTab", "overview_html"]
