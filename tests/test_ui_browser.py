"""The page in real Chromium: ask, read the cited quotes, open one in the transcript; search;
add a document through the file input and ask about it.

Screenshots of every step go to test-artifacts/. With UPDATE_SCREENSHOT=1 the opened citation
also replaces docs/screenshot.png (the README's picture).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from eval.local_llm import free_port
from ingest import ingest
from retrieval import Assistant
from tests.support.seed import ROOT
from webinar_rag.core import Settings
from webinar_rag.models import Embedder
from webinar_rag.ui import build_app, launch

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 30_000
BILL = "What does Japan's AI bill enforce?"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"no Chromium at {CHROMIUM}; `bash scripts/setup.sh test` installs it",
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def changes_url(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, settings: Settings
) -> Iterator[str]:
    """An app that allows changes, over its own small corpus and index (never ./corpus)."""
    root = tmp_path_factory.mktemp("browser-corpus")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "standup.txt").write_text(
        "Priya: The harbour bridge needs new cables before winter.\n"
        "Tomas: The cables arrive in October.\n",
        encoding="utf-8",
    )
    local = settings.at_index(root / "index").at_corpus(corpus)
    ingest([corpus], local, embedder=embedder)
    demo = build_app(Assistant.load(local), allow_changes=True)
    url = launch(demo, "127.0.0.1", free_port(), prevent_thread_lock=True)
    try:
        yield url
    finally:
        demo.close()


def open_page(browser: Browser, url: str) -> Iterator[Page]:
    """A fresh browser session (its own chat history) with the app loaded."""
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(url)
    expect(page.locator("#wr-question textarea")).to_be_editable()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page(browser: Browser, app_url: str) -> Iterator[Page]:
    yield from open_page(browser, app_url)


@pytest.fixture
def changes_page(browser: Browser, changes_url: str) -> Iterator[Page]:
    yield from open_page(browser, changes_url)


def shot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"ui-{name}.png"
    page.screenshot(path=str(path))
    return path


def ask(page: Page, question: str) -> None:
    """Type and send a question, then wait until its answer (not the placeholder) is shown."""
    answers = page.locator("#wr-chat .wr-msg, #wr-chat .wr-error")
    before = answers.count()
    box = page.locator("#wr-question textarea")
    box.fill(question)
    box.press("Enter")
    expect(answers).to_have_count(before + 1)


def folded(text: str) -> str:
    return " ".join(text.split())


def test_answer_cites_tsuda_verbatim_and_opens_the_passage(page: Page, corpus_text: str) -> None:
    ask(page, BILL)
    expect(page.locator("#wr-chat .message-row").first).to_contain_text(BILL)
    cards = page.locator("#wr-chat .wr-card")
    expect(cards.first).to_be_visible()
    shot(page, "1-answer")

    tsuda = cards.filter(has=page.locator(".wr-who", has_text="Makiko Tsuda")).first
    expect(tsuda).to_be_visible()
    quote = folded(tsuda.locator(".wr-quote").inner_text()).strip("“”")
    assert len(quote) > 40
    assert quote in folded(corpus_text)  # verbatim from the transcript
    n = tsuda.locator(".wr-n").inner_text()

    page.get_by_label(f"[{n}] Makiko Tsuda").check()
    panel = page.locator("#wr-passage")
    mark = panel.locator("mark")
    expect(mark).to_be_visible()
    assert folded(mark.inner_text()) == quote
    expect(panel.locator(".wr-ctx-who")).to_have_text("Makiko Tsuda")
    expect(panel.locator(".wr-ctx-aff")).to_contain_text("Cabinet Office")
    marked, box = mark.bounding_box(), panel.bounding_box()
    assert marked and box  # the panel scrolls the quote into its visible part
    assert box["y"] <= marked["y"] < box["y"] + box["height"]
    # the chat keeps to its newest line; show the question above its answer for the picture
    page.locator("#wr-chat .bubble-wrap").evaluate("e => { e.scrollTop = 0; }")
    path = shot(page, "2-citation-opened")
    if os.environ.get("UPDATE_SCREENSHOT"):
        shutil.copyfile(path, ROOT / "docs" / "screenshot.png")


def test_off_topic_question_is_refused_in_a_distinct_box(page: Page) -> None:
    ask(page, "What is the recipe for tiramisu?")
    refusal = page.locator("#wr-chat .wr-refusal")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text("Not covered by the transcript")
    expect(page.locator("#wr-chat .wr-card")).to_have_count(0)
    expect(page.locator("#wr-cites input[type=radio]")).to_have_count(0)
    border = refusal.evaluate("e => getComputedStyle(e).borderTopColor")
    assert border == "rgb(245, 158, 11)"  # amber, unlike an answer
    shot(page, "3-refusal")


def test_speaker_filter_keeps_every_citation_to_that_speaker(page: Page) -> None:
    page.locator("#wr-speaker input").click()
    page.get_by_role("option", name="Tagui Ichikawa").click()
    expect(page.locator("#wr-speaker input")).to_have_value("Tagui Ichikawa")
    ask(page, "How should the EU and Japan cooperate on AI?")
    speakers = page.locator("#wr-chat .wr-card .wr-who")
    expect(speakers.first).to_be_visible()
    assert set(speakers.all_inner_texts()) == {"Tagui Ichikawa"}
    labels = page.locator("#wr-cites label").all_inner_texts()
    assert labels and all(label.endswith("Tagui Ichikawa") for label in labels)
    shot(page, "4-speaker-filter")


def test_empty_question_gets_a_clear_message(page: Page) -> None:
    page.locator("#wr-question textarea").press("Enter")
    notice = page.locator("#wr-chat .wr-notice")
    expect(notice).to_contain_text("Type a question first")
    shot(page, "5-empty-question")


def test_search_tab_lists_ranked_passages(page: Page) -> None:
    page.get_by_role("tab", name="Search").click()
    box = page.locator("#wr-search-query textarea")
    box.fill("AI bill")
    box.press("Enter")
    hits = page.locator("#wr-hits .wr-hit")
    expect(hits.first).to_be_visible()
    assert hits.count() >= 3
    assert [n.strip() for n in hits.locator(".wr-n").all_inner_texts()][:3] == ["1", "2", "3"]
    expect(hits.first.locator(".wr-score")).to_have_text(re.compile(r"^0\.\d{3}$"))
    expect(page.locator("#wr-hits")).to_contain_text("Makiko Tsuda")
    shot(page, "6-search")


def test_uploaded_document_is_listed_filtered_and_cited_with_its_time(
    changes_page: Page, tmp_path: Path
) -> None:
    page = changes_page
    captions = tmp_path / "volcanoes.vtt"
    captions.write_text(
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:04.000\n<v Carol>Volcanoes erupt when magma pressure builds.\n\n"
        "00:01:05.000 --> 00:01:09.000\n<v Dan>Geologists monitor seismic tremors near "
        "volcanoes.\n",
        encoding="utf-8",
    )
    page.get_by_role("tab", name="Documents").click()
    page.locator("#wr-upload input[type=file]").set_input_files(str(captions))
    status = page.locator("#wr-status")
    expect(status.locator(".wr-total")).to_contain_text("2 document(s)")
    expect(status).to_contain_text("volcanoes.vtt new: vtt, 2 speaker(s)")
    expect(page.locator("#wr-docs")).to_contain_text("volcanoes.vtt")
    expect(page.locator("#wr-docs")).to_contain_text("Carol, Dan")
    shot(page, "7-uploaded")

    page.get_by_role("tab", name="Ask").click()
    page.locator("#wr-document input").click()
    page.get_by_role("option", name="volcanoes").click()
    expect(page.locator("#wr-document input")).to_have_value("volcanoes")
    ask(page, "What do geologists monitor?")
    card = page.locator("#wr-chat .wr-card").first
    expect(card.locator(".wr-who")).to_have_text("Dan")
    expect(card.locator(".wr-where")).to_have_text("[1:05]")
    expect(card.locator(".wr-doc")).to_have_text("volcanoes")
    shot(page, "8-document-filter")


def test_example_questions_come_from_the_corpus_and_fill_the_box(page: Page) -> None:
    example = page.locator("#wr-examples").get_by_text(re.compile(r"^What did ")).first
    example.scroll_into_view_if_needed()
    said = example.inner_text().strip()
    assert re.fullmatch(r"What did .+ say about .+\?", said)
    example.click()
    box = page.locator("#wr-question textarea")
    expect(box).to_have_value(said)
    box.press("Enter")
    expect(page.locator("#wr-chat .wr-card").first).to_be_visible()
    shot(page, "9-example")
