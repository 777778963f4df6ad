"""The Overview tab: in real Chromium over the real index (the seed), its quotes with speaker
names, a quote opened in its passage, the Markdown export (the same text as `webinar-rag
summary --markdown`), and the line that says a meeting has no decisions or action items rather
than inventing any; over a small meeting that has them, the owner, task and due date. Without a
server: the HTML, escaped."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from eval.local_llm import free_port
from ingest import ingest
from retrieval import Assistant, Overview
from tests.test_ui_browser import CHROMIUM, browser, folded, open_page, shot
from webinar_rag.core import Citation, Settings
from webinar_rag.models import Embedder
from webinar_rag.ui import build_app, launch
from webinar_rag.ui.overview import NO_ITEMS, overview_html

__all__ = ["browser"]  # the browser fixture, shared with tests/test_ui_browser.py

chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}")
STANDUP = (
    "Ana: Ben, please book the rooms for the workshop by Friday.\n"
    "Ben: I'll send the agenda to everyone next week.\n"
    "Ana: We agreed to move the launch to the spring.\n"
    "Ben: The venue has a good projector and plenty of space.\n"
)


def show(page: Page) -> None:
    page.get_by_role("tab", name="Overview").click()
    page.locator("#wr-ov-show").click()
    expect(page.locator("#wr-overview .wr-ov-summary li").first).to_be_visible()


@pytest.fixture
def page(browser: Browser, app_url: str) -> Iterator[Page]:
    yield from open_page(browser, app_url)


@pytest.fixture
def standup_page(browser: Browser, standup_url: str) -> Iterator[Page]:
    yield from open_page(browser, standup_url)


@pytest.mark.slow
@chromium
def test_overview_tab_quotes_speakers_opens_passages_and_exports_markdown(
    page: Page, assistant: Assistant, corpus_text: str, tmp_path: Path
) -> None:
    show(page)
    summary = page.locator("#wr-overview .wr-ov-summary li")
    assert summary.count() >= 3
    names = set(summary.locator(".wr-who").all_inner_texts())
    assert {"Makiko Tsuda", "Tagui Ichikawa"} <= names
    quotes = [folded(q).strip("“”") for q in summary.locator(".wr-quote").all_inner_texts()]
    assert all(len(q) > 20 and q in folded(corpus_text) for q in quotes)  # verbatim
    voices = page.locator("#wr-overview .wr-ov-voice .wr-who").all_inner_texts()
    assert "Juha Heikkilä" in voices and "Marco Canton" in voices
    # the seed decides nothing and gives no one a task: the tab says so and lists none
    expect(page.locator("#wr-overview .wr-ov-none")).to_have_text(NO_ITEMS)
    expect(page.locator("#wr-overview .wr-ov-item")).to_have_count(0)
    shot(page, "15-overview")

    summary.nth(1).locator(".wr-quote").click()  # a quote opens in its passage, as a citation
    mark = page.locator("#wr-ov-passage mark")
    expect(mark).to_be_visible()
    assert folded(mark.inner_text()) == quotes[1]
    expect(page.locator("#wr-ov-passage .wr-ctx-meta")).to_contain_text("Citation [")
    shot(page, "16-overview-passage")

    with page.expect_download() as download:
        page.locator("#wr-ov-export").click()
    saved = tmp_path / "overview.md"
    download.value.save_as(saved)
    markdown = saved.read_text(encoding="utf-8")
    assert markdown == assistant.overview().markdown()  # the CLI's renderer, not a copy
    assert all(q in folded(markdown) for q in quotes)
    assert "## Decisions\n\n- No decisions" in markdown


@pytest.fixture(scope="module")
def standup_url(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, settings: Settings
) -> Iterator[str]:
    root = tmp_path_factory.mktemp("overview-corpus")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "standup.txt").write_text(STANDUP, encoding="utf-8")
    local = settings.at_index(root / "index").at_corpus(corpus)
    ingest([corpus], local, embedder=embedder)
    demo = build_app(Assistant.load(local))
    url = launch(demo, "127.0.0.1", free_port(), prevent_thread_lock=True)
    try:
        yield url
    finally:
        demo.close()


@pytest.mark.slow
@chromium
def test_overview_tab_lists_owner_task_due_date_and_the_sentence(standup_page: Page) -> None:
    page = standup_page
    show(page)
    items = page.locator("#wr-overview .wr-ov-item")
    expect(items.first).to_be_visible()
    expect(page.locator("#wr-overview .wr-ov-none")).to_have_count(0)
    rooms = items.filter(has_text="book the rooms")
    expect(rooms.locator(".wr-ov-owner")).to_have_text("Ben (asked by Ana)")
    expect(rooms.locator(".wr-ov-due")).to_have_text("by Friday")
    expect(rooms.locator(".wr-quote")).to_have_text(
        "“Ben, please book the rooms for the workshop by Friday.”"
    )
    expect(page.locator("#wr-overview .wr-ov-decision")).to_contain_text("launch to the spring")
    assert "projector" not in folded(page.locator("#wr-overview .wr-ov-items").inner_text())
    rooms.locator(".wr-quote").click()
    expect(page.locator("#wr-ov-passage mark")).to_have_text(
        re.compile(r"Ben, please book the rooms")
    )
    shot(page, "17-overview-actions")


def test_overview_html_escapes_quotes_and_says_when_nothing_was_decided() -> None:
    quote = "We <b>will</b> see."
    c = Citation(1, "Eve <x>", None, quote, "id", "a.txt", 0, len(quote), document="A")
    overview = Overview(("a.txt",), None, None, 150, (c,), (1,), (), (), (), ())
    shown = overview_html(overview)
    assert "<b>will</b>" not in shown and "&lt;b&gt;will&lt;/b&gt;" in shown
    assert "Eve &lt;x&gt;" in shown and 'data-n="1"' in shown
    assert NO_ITEMS in shown.replace("&#x27;", "'")
