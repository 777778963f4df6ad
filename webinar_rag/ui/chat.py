"""What the chat's events do: answer (streaming), open a citation in its passage, list an
earlier answer's citations again, and the `/ask` API.

No session state lives here: each session's history and citations come in as arguments and go
back as outputs (gr.State). The assistant comes from `Live` per request, so an answer always
comes from the newest index.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import gradio as gr

from retrieval import Assistant
from webinar_rag.core import Answer, Backend, WebinarRagError
from webinar_rag.ui.filters import ALL, api_options, filtered_notice, options
from webinar_rag.ui.live import Live
from webinar_rag.ui.render import (
    GONE,
    NO_CITATION,
    WAITING,
    Citations,
    answer_html,
    citation_choices,
    error_html,
    notice_html,
    passage_html,
    question_html,
    recording_file,
    streaming_html,
)

BACKENDS: dict[str, Backend] = {"extractive": "extractive", "llm": "llm"}  # the radio's values
EMPTY_QUESTION = "Type a question first, or pick one of the examples below the box."
INTERNAL_ERROR = (
    "Something went wrong on our side while answering. The details are in the server log; "
    "please try again or rephrase the question."
)

FOLLOW_UP_ANSWERS = 3  # earlier answers a follow-up question may lean on
# Per chat message: the Answer (its citations, and what a follow-up leans on), or None.
Entry = Answer | Citations

log = logging.getLogger("webinar_rag.app")  # the name from before the split, kept for log setups


def citations_of(entry: Entry) -> Citations:
    return entry.citations if isinstance(entry, Answer) else entry


class Chat:
    """The chat tab's handlers and the `/ask` endpoint, over the live assistant."""

    def __init__(self, assistant: Assistant | Live) -> None:
        self.live = Live.of(assistant)

    def respond(
        self,
        question: str,
        history: list[dict[str, Any]],
        cited: list[Entry],
        speaker: str = ALL,
        backend: str = "",
        k: float = 0,
        document: str = ALL,
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
        assistant = self.live()  # one index for the whole answer
        many = len(assistant.store.sources) > 1
        streamed = ""
        earlier = [entry for entry in cited if isinstance(entry, Answer)][-FOLLOW_UP_ANSWERS:]
        try:
            chosen = options(speaker, document, k)
            stream = assistant.stream(
                question, backend=BACKENDS.get(backend), history=earlier, **chosen
            )
            for piece in stream:
                if isinstance(piece, Answer):
                    if piece.refused and not piece.notice:
                        notice = filtered_notice(assistant, speaker, document)
                        piece = replace(piece, notice=notice or None)
                    history[-1] = {"role": "assistant", "content": answer_html(piece, many)}
                    cited[-1] = piece  # its citations, and the context of a follow-up
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

    def open_citation(self, value: str | None, cited: list[Entry]) -> str:
        """A "message:n" radio value -> the passage panel with that citation marked."""
        try:
            message, n = (int(part) for part in (value or "").split(":"))
        except ValueError:
            return NO_CITATION
        citations = citations_of(cited[message]) if 0 <= message < len(cited) else None
        c = next((c for c in citations or () if c.n == n), None)
        if c is None:
            return NO_CITATION
        assistant = self.live()
        source = assistant.store.sources.get(c.source)
        if source is None or source.text[c.start_char : c.end_char] != c.quote:
            return GONE  # an upload replaced the document, or it was removed, since
        return passage_html(source, c, recording_file(source, assistant.settings.ingest.corpus))

    def pick_message(self, cited: list[Entry], evt: gr.SelectData) -> tuple[Any, Any]:
        """Clicking an earlier answer lists its citations again."""
        index = evt.index if isinstance(evt.index, int) else -1
        if not 0 <= index < len(cited) or not citations_of(cited[index]):
            return gr.update(), gr.update()
        choices = citation_choices(index, citations_of(cited[index]))
        return gr.update(choices=choices, value=None), NO_CITATION

    def ask(
        self,
        question: str,
        speaker: str | None = None,
        k: int | None = None,
        document: str | None = None,
    ) -> dict[str, Any]:
        """Answer a question from the transcripts: the JSON of `webinar-rag ask --json`.
        `document` (a file name or title) came last, so older callers' positions still hold."""
        try:
            return self.live().ask(question, **api_options(speaker, document, k)).to_dict()
        except WebinarRagError as exc:
            raise gr.Error(str(exc), print_exception=False) from exc


def _outputs(
    history: list[dict[str, Any]], cited: list[Entry], citations: Any = None, panel: Any = None
) -> tuple[Any, ...]:
    """One update of (chat, citations per message, citation list, passage panel, question box);
    copies, so an update already sent never changes under Gradio's feet."""
    return [*history], [*cited], citations or gr.update(), panel or gr.update(), ""
