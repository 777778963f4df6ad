"""The Gradio page around one loaded assistant: the components and which handler each event
runs. Four tabs: Ask (the chat, `ui.chat`), Search (`ui.search`), Overview (`ui.overview`) and
Documents (`ui.documents`).

What the page shows of the index (header, filters, examples, document list) is read again on
every page load and after every change, so it follows the index the answers come from.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import gradio as gr

from ingest import TRANSCRIPT_SUFFIXES
from retrieval import Assistant
from webinar_rag.ui.chat import Chat
from webinar_rag.ui.documents import OFF, DocumentsTab, documents_html, remove_choices
from webinar_rag.ui.examples import example_questions
from webinar_rag.ui.filters import ALL, document_choices, kept, speaker_choices
from webinar_rag.ui.live import Live
from webinar_rag.ui.overview import OverviewTab
from webinar_rag.ui.render import NO_CITATION, header_html, notice_html
from webinar_rag.ui.search import Search

CONCURRENCY = 4  # answers and searches computed at once; more wait in the queue
# Requests that may wait at once; one more gets Gradio's "Queue is full" at once instead of a
# wait that outlives its caller's patience. 100 holds 64 clients with room (bench/load.py).
QUEUE_SIZE = 100

# System fonts: the UI works offline, with nothing fetched from a font service.
THEME = gr.themes.Soft(
    primary_hue="indigo",
    neutral_hue="slate",
    font=["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
)
# Read through importlib.resources, so an installed (even zipped) copy finds it too.


def stylesheet() -> str:
    """The page's look (style.css, shipped in the package), read when the page is served."""
    return resources.files("webinar_rag.ui").joinpath("style.css").read_text(encoding="utf-8")


# Bring the marked quote into view inside the scrolling panel whenever a citation opens.
# A constant, not a .js file: eight lines of a Gradio js_on_load body (`watch` and `element`
# are Gradio's), used once, read best beside the component that runs it.
SCROLL_TO_MARK = """
watch('value', () => {
  const mark = element.querySelector('mark');
  const box = element.closest('#wr-passage, #wr-ov-passage');
  if (mark && box) {
    box.scrollTop += mark.getBoundingClientRect().top - box.getBoundingClientRect().top - 60;
  }
});
"""


# Any file dropped or chosen for upload clears the last upload's report first, so a file the
# page refuses (a type it does not read, over the size limit) never leaves it on screen.
CLEAR_ON_NEW_FILE = """
const clear = (event) => {
  if (event.target instanceof Element && event.target.closest('#wr-upload')) props.value = '';
};
document.addEventListener('drop', clear, true);
document.addEventListener('change', clear, true);
"""


def index_views(assistant: Assistant, *filters: str | None) -> tuple[Any, ...]:
    """Updates of (header, chat speaker, chat document, search speaker, search document,
    examples, document list, remove picker) for the assistant's index. Given the four
    filters' values, each keeps its value if still offered (else All); without them the
    values are left alone (a page load, while someone may already be choosing)."""
    speakers, documents = speaker_choices(assistant), document_choices(assistant)
    offered = [speakers, documents, speakers, documents]
    values = [kept(v, c) for v, c in zip(filters, offered, strict=True)] if filters else []
    dropdowns = []
    for i, choices in enumerate(offered):
        change: dict[str, Any] = {"choices": choices}
        if values:
            change["value"] = values[i]
        dropdowns.append(gr.update(**change))
    return (
        header_html([s.label for s in assistant.store.sources.values()]),
        *dropdowns,
        gr.update(samples=[[q] for q in example_questions(assistant.store)]),
        documents_html(assistant.store.sources.values()),
        gr.update(choices=remove_choices(assistant), value=[]),
    )


def filter_row(
    assistant: Assistant, prefix: str, most: int
) -> tuple[gr.Dropdown, gr.Dropdown, gr.Slider]:
    """Whose words, which document, how many passages: the same row in the ask and search
    tabs (element ids `{prefix}speaker`, `{prefix}document`)."""
    with gr.Row(elem_id=f"{prefix}options"):
        speaker = gr.Dropdown(
            speaker_choices(assistant),
            value=ALL,
            label="Only the words of",
            elem_id=f"{prefix}speaker",
        )
        document = gr.Dropdown(
            document_choices(assistant), value=ALL, label="Only in", elem_id=f"{prefix}document"
        )
        k = gr.Slider(1, most, value=assistant.settings.query.top_k, step=1, label="Passages")
    return speaker, document, k


def build_app(
    assistant: Assistant, allow_changes: bool = False, queue_size: int = QUEUE_SIZE
) -> gr.Blocks:
    """The UI around one loaded assistant; `serve.launch()` serves it with THEME and the stylesheet.
    `allow_changes` turns on uploading and removing documents: off unless the server says
    it is safe (bound to this machine, or behind a login)."""
    live = Live(assistant)
    chat, search, corpus = Chat(live), Search(live), DocumentsTab(live, allow_changes)
    overview = OverviewTab(live, chat)
    llm = assistant.settings.llm
    backends = [
        ("Offline: quotes from the transcripts", "extractive"),
        (f"LLM: {llm.model}", "llm"),
    ]
    examples = example_questions(assistant.store)

    with gr.Blocks(title="Ask the transcripts", analytics_enabled=False) as demo:
        header = gr.HTML(header_html([s.label for s in assistant.store.sources.values()]))
        cited = gr.State([])
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"), gr.Row(equal_height=False, elem_id="wr-ask"):
                with gr.Column(scale=3, min_width=420, elem_id="wr-main"):
                    chatbot = gr.Chatbot(
                        label="Conversation",
                        show_label=False,
                        height=520,
                        elem_id="wr-chat",
                        latex_delimiters=[],
                        feedback_options=None,
                        group_consecutive_messages=False,
                        placeholder="Ask a question about the transcripts, or pick an example.",
                    )
                    question = gr.Textbox(
                        show_label=False,
                        placeholder="Ask a question about the transcripts",
                        submit_btn="Ask",
                        elem_id="wr-question",
                        autofocus=True,
                    )
                    speaker, document, k = filter_row(assistant, "wr-", most=10)
                    backend = gr.Radio(
                        backends,
                        value="llm" if assistant.uses_llm() else "extractive",
                        label="Answer with",
                        visible=llm.configured,
                        elem_id="wr-backend",
                    )
                    # a Dataset, not gr.Examples: its samples change with the index, and
                    # gr.Examples only fills in the inputs its first samples had
                    shown = gr.Dataset(
                        components=[question],
                        samples=[[q] for q in examples],
                        label="Examples",
                        layout="table",
                        elem_id="wr-examples",
                    )
                with gr.Column(scale=2, min_width=320, elem_id="wr-side"):
                    opened = gr.Radio(
                        [],
                        label="Citations: click one to read it in the transcript",
                        info="They appear here after each answer; click an earlier answer to "
                        "list its citations again.",
                        elem_id="wr-cites",
                    )
                    passage = gr.HTML(NO_CITATION, elem_id="wr-passage", js_on_load=SCROLL_TO_MARK)
            with gr.Tab("Search", id="search"):
                query = gr.Textbox(
                    show_label=False,
                    placeholder="Words or a question: lists the passages that match best",
                    submit_btn="Search",
                    elem_id="wr-search-query",
                )
                search_speaker, search_document, search_k = filter_row(
                    assistant, "wr-search-", most=20
                )
                hits = gr.HTML(elem_id="wr-hits")
            overview.build(SCROLL_TO_MARK)
            with gr.Tab("Documents", id="documents"):
                listing = gr.HTML(
                    documents_html(assistant.store.sources.values()), elem_id="wr-docs"
                )
                gr.HTML(notice_html(OFF), visible=not allow_changes, elem_id="wr-off")
                with gr.Group(visible=allow_changes):
                    files = gr.File(
                        label="Add transcripts: drop files here or click to choose",
                        file_count="multiple",
                        file_types=list(TRANSCRIPT_SUFFIXES),
                        height=150,
                        elem_id="wr-upload",
                    )
                    replace = gr.Checkbox(
                        False, label="Replace documents of the same name", elem_id="wr-replace"
                    )
                status = gr.HTML(elem_id="wr-status", js_on_load=CLEAR_ON_NEW_FILE)
                with gr.Group(visible=allow_changes):
                    pick = gr.CheckboxGroup(
                        remove_choices(assistant), label="Remove documents", elem_id="wr-pick"
                    )
                    remove = gr.Button(
                        "Remove the ticked documents…",
                        variant="stop",
                        size="sm",
                        elem_id="wr-remove",
                    )
                    with gr.Column(visible=False, elem_id="wr-confirm") as confirm:
                        asked = gr.HTML(elem_id="wr-confirm-text")
                        with gr.Row():
                            yes = gr.Button("Yes, remove them", variant="stop", elem_id="wr-yes")
                            no = gr.Button("Cancel", variant="secondary", elem_id="wr-no")

        private: dict[str, Any] = {"api_visibility": "private"}
        busy: dict[str, Any] = {"concurrency_id": "assistant", "concurrency_limit": CONCURRENCY}
        changes: dict[str, Any] = {"concurrency_id": "corpus", "concurrency_limit": 1}
        filters = [speaker, document, search_speaker, search_document]
        views = [header, *filters, shown, listing, pick]

        def refresh(*values: str | None) -> tuple[Any, ...]:
            return index_views(live(), *values)

        question.submit(
            chat.respond,
            [question, chatbot, cited, speaker, backend, k, document],
            [chatbot, cited, opened, passage, question],
            **busy,
            **private,
        )
        overview.wire(busy, private)
        shown.click(lambda sample: sample[0], shown, question, **private)
        opened.select(chat.open_citation, [opened, cited], passage, **private)
        chatbot.select(chat.pick_message, [cited], [opened, passage], **private)
        chatbot.clear(
            lambda: ([], gr.update(choices=[], value=None), NO_CITATION),
            None,
            [cited, opened, passage],
            **private,
        )
        query.submit(
            search.run, [query, search_speaker, search_document, search_k], hits, **busy, **private
        )
        files.upload(corpus.upload, [files, replace], [status, files], **changes, **private).then(
            refresh, filters, views, **private
        )
        remove.click(corpus.confirm_removal, [pick], [confirm, asked, status], **private)
        no.click(lambda: gr.update(visible=False), None, confirm, **private)
        yes.click(lambda: gr.update(visible=False), None, confirm, **private).then(
            corpus.remove, [pick], status, **changes, **private
        ).then(refresh, filters, views, **private)
        demo.load(lambda: refresh(), None, views, **private)
        gr.api(chat.ask, api_name="ask", **busy)
        gr.api(search.api, api_name="search", **busy)
    return demo.queue(max_size=queue_size)
