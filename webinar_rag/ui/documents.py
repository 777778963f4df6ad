"""The documents tab: what the index holds, and adding (upload) or removing documents.

Changes run one at a time (a lock here, and the ingest lock against a `webinar-rag ingest`
beside the server, waited for up to `WAIT` seconds). An upload is saved into the corpus folder
(`ui.uploads`), then the whole folder is ingested: unchanged documents are reused, and an
upload that cannot be read is taken out again (an upload ends up in the index, or nowhere).
Changes are refused, here and not only in the page, when the server does not allow them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from ingest import FileResult, IngestSummary, ingest, remove_documents
from retrieval import Assistant
from webinar_rag.core import IndexBusy, Source, WebinarRagError
from webinar_rag.ui.live import Live
from webinar_rag.ui.render import error_html, notice_html, text_html
from webinar_rag.ui.uploads import REMOVED, Saved, save, undo

OFF = (
    "Adding and removing documents is off: this server can be reached from other machines "
    "without a login. To turn it on, serve on 127.0.0.1, or set WEBINAR_RAG_USER and "
    "WEBINAR_RAG_PASSWORD."
)
WAIT = 120.0  # seconds a change waits for another ingest of the same index
NO_FILES = "Choose or drop transcript files first."
NO_PICK = "Tick the documents to remove first."
REFUSED, NOT_CHANGED = "Refused.", "Not changed."  # titles of the red box
KEEP_ONE = "The index needs at least one document: add another before removing the last."


class DocumentsTab:
    """The documents tab's handlers; every change is refused unless `allow_changes`."""

    def __init__(self, assistant: Assistant | Live, allow_changes: bool = False) -> None:
        self.live = Live.of(assistant)
        self.allow_changes = allow_changes
        self._lock = threading.Lock()

    def upload(
        self,
        files: Sequence[str] | None,
        replace: bool = False,
        progress: gr.Progress = gr.Progress(track_tqdm=True),  # noqa: B008 (Gradio's marker)
    ) -> Iterator[tuple[str, Any]]:
        """Yields (status, file box): a progress line while the ingest runs (Gradio shows the
        embedding's percentage over it), then the summary of what became of each file; the
        file box is emptied."""
        clear = gr.update(value=None)
        if not self.allow_changes:
            for file in files or ():
                Path(file).unlink(missing_ok=True)  # Gradio's copy: refused, so not kept
            yield error_html(OFF, REFUSED), clear
            return
        uploads = [(Path(f).name, Path(f)) for f in files or ()]
        if not uploads:
            yield notice_html(NO_FILES), clear
            return
        names = ", ".join(name for name, _ in uploads)
        yield progress_html(f"Reading and indexing {names}…"), gr.update()
        with self._lock:  # no yield inside: a closed page must not keep the lock
            status = self._add(uploads, replace)
        yield status, clear

    def _add(self, uploads: list[tuple[str, Path]], replace: bool) -> str:
        assistant = self.live()
        settings = assistant.settings.ingest
        corpus = Path(settings.corpus)
        indexed = {name: s.sha256 for name, s in assistant.store.sources.items()}
        saved = save(uploads, corpus, indexed, replace)
        written = [s for s in saved if s.status == "saved"]
        if not written:
            return report_html(saved)
        try:
            report = self._ingest(assistant)
        except IndexBusy as exc:
            undo(written, corpus)
            return error_html(busy(exc), NOT_CHANGED)
        except WebinarRagError as exc:
            undo(written, corpus)
            return error_html(f"Nothing was added: {exc}", NOT_CHANGED)
        failed = [f for f in report.failed if f.name in {s.name for s in written}]
        restored = undo([s for s in written if s.name in {f.name for f in failed}], corpus)
        if restored:  # the files they replaced are back: index those again
            try:
                report = self._ingest(assistant)
            except WebinarRagError as exc:
                return error_html(
                    f"The replaced files are back, but not indexed yet: {exc}", NOT_CHANGED
                )
        self.live()  # load the new index now, not on the next question
        return report_html(saved, report, failed, restored)

    def _ingest(self, assistant: Assistant) -> IngestSummary:
        """The whole corpus folder, with the loaded model; unchanged documents are reused."""
        settings = assistant.settings
        return ingest([settings.ingest.corpus], settings, embedder=assistant.embedder, wait=WAIT)

    def confirm_removal(self, names: Sequence[str] | None) -> tuple[Any, str, str]:
        """(confirmation box, its question, status): removing asks first, naming what goes."""
        hidden = gr.update(visible=False)
        if not self.allow_changes:
            return hidden, "", error_html(OFF, REFUSED)
        if not names:
            return hidden, "", notice_html(NO_PICK)
        sources = self.live().store.sources
        titles = ", ".join(
            f"<b>{text_html(sources[n].label if n in sources else n)}</b>" for n in names
        )
        question = (
            f'<div class="wr-confirm">Remove {len(names)} document(s) from the index: '
            f"{titles}? Their answers go with them; files in the corpus folder move to "
            f"{REMOVED}/ there.</div>"
        )
        return gr.update(visible=True), question, ""

    def remove(self, names: Sequence[str] | None) -> str:
        """Drop the ticked documents from the index; their files in the corpus folder move to
        `.removed/` there."""
        if not self.allow_changes:
            return error_html(OFF, REFUSED)
        if not names:
            return notice_html(NO_PICK)
        with self._lock:
            assistant = self.live()
            sources = assistant.store.sources
            if set(sources) <= set(names):
                return error_html(KEEP_ONE, REFUSED)
            corpus = Path(assistant.settings.ingest.corpus).resolve()
            inside = {n for n in names if n in sources and _lies_in(sources[n], corpus)}
            try:
                remove_documents(list(names), assistant.settings, wait=WAIT)
            except WebinarRagError as exc:
                return error_html(str(exc), NOT_CHANGED)
            self.live()
        lines = [
            f"<li><b>{text_html(sources[n].label)}</b> ({text_html(n)}) removed; "
            + (
                f"its file moved to {REMOVED}/ in the corpus folder."
                if n in inside
                else "its file lies outside the corpus folder and was left there."
            )
            + "</li>"
            for n in names
        ]
        return f'<ul class="wr-report">{"".join(lines)}</ul>'


def busy(exc: IndexBusy) -> str:
    """An upload that waited `WAIT` s for another ingest (a `webinar-rag ingest` beside the
    server) and gave up: who it was, and that nothing of the upload was kept."""
    who = f" (PID {exc.holder})" if exc.holder else ""
    return (
        f"Another ingest{who} is writing the index and did not finish within {WAIT:g} s. "
        "Nothing was added, and the index is as it was: upload the files again once it has "
        "finished."
    )


def _lies_in(source: Source, corpus: Path) -> bool:
    return source.path is not None and Path(source.path).parent == corpus


def remove_choices(assistant: Assistant) -> list[tuple[str, str]]:
    """ "Title (file name)" per document; the value is the file name `remove_documents` takes."""
    return [
        (s.name if s.label == s.name else f"{s.label} ({s.name})", s.name)
        for s in sorted(assistant.store.sources.values(), key=lambda s: s.label.casefold())
    ]


def documents_html(sources: Iterable[Source]) -> str:
    """The table of documents: title, file name, format, speakers, turns; all escaped."""
    rows = []
    for s in sorted(sources, key=lambda s: s.label.casefold()):
        speakers = list(dict.fromkeys(t.speaker for t in s.turns if t.speaker))
        who = text_html(", ".join(speakers)) if speakers else "<i>none recognised</i>"
        rows.append(
            f"<tr><td>{text_html(s.label)}</td><td><code>{text_html(s.name)}</code></td>"
            f"<td>{text_html(s.format)}</td><td>{who}</td><td>{len(s.turns)}</td></tr>"
        )
    return (
        '<table class="wr-docs"><thead><tr><th>Title</th><th>File</th><th>Format</th>'
        f"<th>Speakers</th><th>Turns</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def progress_html(text: str) -> str:
    return f'<div class="wr-progress">{text_html(text)}</div>'


def report_html(
    saved: Sequence[Saved],
    report: IngestSummary | None = None,
    failed: Sequence[FileResult] = (),
    restored: Sequence[str] = (),
) -> str:
    """One line per upload (added, already there, refused, unreadable: in red, with the
    reason) and per other file the ingest changed or could not read, notes below; then what
    the index now holds."""
    lines = [_saved_line(s) for s in saved if s.status != "saved"]
    for f in failed:
        back = " The file it replaced was put back." if f.name in restored else ""
        lines.append(
            f'<li class="wr-failed"><b>{text_html(f.name)}</b> could not be read, so it was '
            f"not kept: {text_html(f.error or 'no reason given')}{back}</li>"
        )
    if report is not None:
        uploaded = {s.name for s in saved if s.status == "saved"} - {f.name for f in failed}
        skip = {f.name for f in failed} - set(restored)
        lines += [
            _file_line(f, uploaded=f.name in uploaded)
            for f in report.files
            if f.name not in skip and (f.name in uploaded or f.status != "unchanged")
        ]
        lines.append(
            f'<li class="wr-total">The index now holds {len(report.sources)} document(s): '
            f"{report.n_turns} turns, {report.n_chunks} chunks.</li>"
        )
    return f'<ul class="wr-report">{"".join(lines)}</ul>'


def _saved_line(s: Saved) -> str:
    if s.status == "same":
        return f"<li><b>{text_html(s.name)}</b> is already in the corpus, unchanged.</li>"
    return f'<li class="wr-failed"><b>{text_html(s.name)}</b> refused: {text_html(s.message)}</li>'


def _file_line(f: FileResult, uploaded: bool = False) -> str:
    name = f"<b>{text_html(f.name)}</b>"
    if uploaded and f.status == "unchanged":  # another ingest beside took it in first
        return f"<li>{name} is in the index (another ingest running beside indexed it).</li>"
    if f.status == "failed":
        return f'<li class="wr-failed">{name} could not be read: {text_html(f.error or "")}</li>'
    if f.status in ("removed", "unchanged"):
        return f"<li>{name} {f.status}.</li>"
    notes = "".join(f'<div class="wr-note">Note: {text_html(n)}</div>' for n in f.notes)
    return (
        f"<li>{name} {f.status}: {text_html(f.format or '')}, {f.speakers} speaker(s), "
        f"{f.turns} turns, {f.chunks} chunks, {f.seconds:.1f} s{notes}</li>"
    )
