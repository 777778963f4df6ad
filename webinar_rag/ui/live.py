"""The assistant over the newest index, shared by every handler of one page.

An upload in the page, or a `webinar-rag ingest` beside the server, swaps a new index into the
folder; each request asks `Live` for the assistant, so the next answer comes from that index
without a restart, and the handlers of the chat, the search and the documents tab load it once
between them, not once each.
"""

from __future__ import annotations

import threading

from retrieval import Assistant


class Live:
    """`live()` -> the assistant, reloaded first if the index folder changed (one `stat`)."""

    def __init__(self, assistant: Assistant) -> None:
        self._assistant = assistant
        self._lock = threading.Lock()  # two requests after a swap load the new index once

    @classmethod
    def of(cls, assistant: Assistant | Live) -> Live:
        """Handlers take either; tests hand them a plain assistant."""
        return assistant if isinstance(assistant, Live) else cls(assistant)

    def __call__(self) -> Assistant:
        with self._lock:
            self._assistant = self._assistant.refreshed()
            return self._assistant
