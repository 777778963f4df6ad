"""The search tab and the `/search` API: the passages a query retrieves, ranked, with no
answer composed from them (`Assistant.search`), for reading around a topic or checking what
the answerer had to work with."""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from retrieval import Assistant
from webinar_rag.core import Hit, WebinarRagError
from webinar_rag.ui.filters import ALL, api_options, filtered_notice, options
from webinar_rag.ui.live import Live
from webinar_rag.ui.render import byline, error_html, notice_html, text_html

EMPTY_QUERY = "Type what to look for first."
FAILED = "Could not search."
NO_HITS = "No passages match these filters."
INTERNAL_ERROR = "Something went wrong on our side while searching; the details are in the log."

log = logging.getLogger("webinar_rag.app")


class Search:
    """The search tab's handler and the `/search` endpoint, over the live assistant."""

    def __init__(self, assistant: Assistant | Live) -> None:
        self.live = Live.of(assistant)

    def run(self, query: str, speaker: str = ALL, document: str = ALL, k: float = 0) -> str:
        """The ranked passages as HTML, or a message saying why there are none."""
        if not (query or "").strip():
            return notice_html(EMPTY_QUERY)
        assistant = self.live()
        try:
            hits = assistant.search(query, **options(speaker, document, k))
        except WebinarRagError as exc:
            return error_html(str(exc), FAILED)
        except Exception:  # a bug of ours: the traceback goes to the log, never to the page
            log.exception("searching %r failed", query)
            return error_html(INTERNAL_ERROR, FAILED)
        if not hits:
            narrowed = filtered_notice(assistant, speaker, document)
            return notice_html(f"{NO_HITS} {narrowed}".strip())
        return hits_html(hits)

    def api(
        self,
        query: str,
        speaker: str | None = None,
        document: str | None = None,
        k: int | None = None,
    ) -> list[dict[str, Any]]:
        """The passages a query retrieves, best first: `Hit.to_dict()` each, as
        `webinar-rag search --json` prints them (without its rank: the list is in order)."""
        try:
            hits = self.live().search(query, **api_options(speaker, document, k))
        except WebinarRagError as exc:
            raise gr.Error(str(exc), print_exception=False) from exc
        return [hit.to_dict() for hit in hits]


def hits_html(hits: list[Hit]) -> str:
    """One escaped card per passage: rank, who, when or where, affiliation and score, then
    the document's title and the passage."""
    cards = "".join(
        f'<div class="wr-hit"><div class="wr-card-head"><span class="wr-n">{rank}</span>'
        f"{byline(h.chunk.speaker, h.chunk.affiliation, h.place.where)}"
        f'<span class="wr-score" title="similarity">{h.score:.3f}</span></div>'
        f'<div class="wr-hit-doc">{text_html(h.place.document)}</div>'
        f'<div class="wr-passage-text">{text_html(h.chunk.text)}</div></div>'
        for rank, h in enumerate(hits, start=1)
    )
    return f'<div class="wr-hits">{cards}</div>'
