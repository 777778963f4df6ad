"""The Overview tab: in real Chromium over the real index (the seed), its quotes with speaker
names, a quote opened in its passage, the Markdown export (the same text as `webinar-rag
summary --markdown`), and the line that says a meeting has no decisions or action items rather
than inventing any; over a small meeting that has them, the owner, task and due date; over two
small meetings, Compare's two columns, each with its own meeting's quotes; the LLM's button
hidden without an endpoint, and with a failing one the written summary's fallback and notice.
Without a server: the HTML, escaped."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from eval.local_llm import free_port
from ingest import ingest
from retrieval import Assistant, Overview, Written
from tests.support.fault_server import FaultServer
from tests.test_llm import llm_settings, with_llm
from tests.test_ui_browser import CHROMIUM, browser, folded, open_page, shot
from webinar_rag.core import Citation, Settings
from webinar_rag.models import Embedder
from webinar_rag.ui import build_app, launch
from webinar_rag.ui.overview import NO_ITEMS, overview_html
from webinar_rag.ui.overview_render import written_html

__all__ = ["browser"]  # the browser fixture, shared with tests/test_ui_browser.py

chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}")
STANDUP = (
    "Ana: Ben, please book the rooms for the workshop by Friday.\n"
    "Ben: I'll send the agenda to everyone next week.\n"
    "Ana: We agreed to move the launch to the spring.\n"
    "Ben: The venue has a good projector and plenty of space.\n"
)
RETRO = (
    "Cleo: The budget review showed that we overspent on catering this quarter.\n"
    "Dev: Next quarter we should order fewer sandwiches for the team lunches.\n"
    "Cleo: The coffee machine in the kitchen finally works again after the repair.\n"
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


@pytest.fixture(scope="module")
def pair(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, settings: Settings
) -> Assistant:
    """An index of two small meetings (no LLM configured)."""
    root = tmp_path_factory.mktemp("overview-pair")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "standup.txt").write_text(STANDUP, encoding="utf-8")
    (corpus / "retro.txt").write_text(RETRO, encoding="utf-8")
    local = settings.at_index(root / "index").at_corpus(corpus)
    ingest([corpus], local, embedder=embedder)
    return Assistant.load(local)


@contextmanager
def served_page(browser: Browser, assistant: Assistant) -> Iterator[Page]:
    demo = build_app(assistant)
    url = launch(demo, "127.0.0.1", free_port(), prevent_thread_lock=True)
    try:
        yield from open_page(browser, url)
    finally:
        demo.close()


def choose_both(page: Page) -> None:
    page.get_by_role("tab", name="Overview").click()
    for title in ("standup", "retro"):
        page.locator("#wr-ov-documents input").click()
        page.get_by_role("option", name=title, exact=True).click()
    page.keyboard.press("Escape")


@pytest.mark.slow
@chromium
def test_compare_shows_each_meeting_in_its_own_column(browser: Browser, pair: Assistant) -> None:
    with served_page(browser, pair) as page:
        expect(page.locator("#wr-ov-write")).to_be_hidden()  # no LLM endpoint: no button
        choose_both(page)
        page.locator("#wr-ov-compare input").check()
        page.locator("#wr-ov-show").click()
        columns = page.locator("#wr-overview .wr-ov-compare .wr-ov-column")
        expect(columns).to_have_count(2)
        for column, (text, other) in zip(
            columns.all(), [(STANDUP, RETRO), (RETRO, STANDUP)], strict=True
        ):
            quotes = [q.strip("“”") for q in column.locator(".wr-quote").all_inner_texts()]
            assert quotes and all(q in text and q not in other for q in quotes), quotes
        assert columns.nth(0).get_attribute("data-document") == "standup.txt"
        keys = columns.nth(1).locator(".wr-ov-summary .wr-ov-quote").first
        assert (keys.get_attribute("data-n") or "").startswith("B")
        shot(page, "18-overview-compare")

        said = keys.locator(".wr-quote").inner_text().strip("“”")
        keys.locator(".wr-quote").click()  # the right column's quote, not the left's same number
        expect(page.locator("#wr-ov-passage mark")).to_have_text(said)
        assert said in RETRO

        with page.expect_download() as download:
            page.locator("#wr-ov-export").click()
        markdown = Path(download.value.path()).read_text(encoding="utf-8")
        assert markdown.count("# Overview:") == 2  # what summary --compare --markdown prints


@pytest.mark.slow
@chromium
def test_the_llm_button_shows_the_written_summary_or_its_fallback_notice(
    browser: Browser, pair: Assistant, fault_server: FaultServer
) -> None:
    failing = llm_settings(fault_server.serve("500"), timeout=2.0, max_retries=0)
    with served_page(browser, with_llm(pair, failing)) as page:
        choose_both(page)
        page.locator("#wr-ov-show").click()
        expect(page.locator("#wr-overview .wr-ov-summary li").first).to_be_visible()
        page.locator("#wr-ov-write").click()
        written = page.locator("#wr-ov-written .wr-ov-written")
        expect(written).to_contain_text("could not be used")  # the fallback says so
        quotes = written.locator(".wr-ov-quote")
        expect(quotes.first).to_be_visible()
        assert all(k.startswith("W") for k in quotes.evaluate_all("l => l.map(e => e.dataset.n)"))
        said = quotes.last.locator(".wr-quote").inner_text().strip("“”")
        quotes.last.locator(".wr-quote").click()
        expect(page.locator("#wr-ov-passage mark")).to_have_text(said)
        # the overview's own quotes still open too: the written ones were added to the list
        first = page.locator("#wr-overview .wr-ov-summary .wr-quote").first
        assert first.inner_text().strip("“”") != said
        first.click()
        expect(page.locator("#wr-ov-passage mark")).to_have_text(first.inner_text().strip("“”"))
        shot(page, "19-overview-written")


def test_written_html_links_each_marker_and_escapes() -> None:
    quote = "We <b>will</b> see."
    c = Citation(1, "Eve", None, quote, "id", "a.txt", 0, len(quote), document="A")
    shown = written_html(Written("They <i>will</i> see [1].", (c,), "llm"), "W")
    assert '<span class="wr-n" data-n="W1">W1</span>' in shown and 'data-n="W1"' in shown
    assert "<i>" not in shown and "&lt;b&gt;will" in shown


def test_overview_html_escapes_quotes_and_says_when_nothing_was_decided() -> None:
    quote = "We <b>will</b> see."
    c = Citation(1, "Eve <x>", None, quote, "id", "a.txt", 0, len(quote), document="A")
    overview = Overview(("a.txt",), None, None, 150, (c,), (1,), (), (), (), ())
    shown = overview_html(overview)
    assert "<b>will</b>" not in shown and "&lt;b&gt;will&lt;/b&gt;" in shown
    assert "Eve &lt;x&gt;" in shown and 'data-n="1"' in shown
    assert NO_ITEMS in shown.replace("&#x27;", "'")
