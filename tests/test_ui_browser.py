"""The chat UI in real Chromium: ask, read the cited quotes, open one in the transcript.

Screenshots of every step go to test-artifacts/. With UPDATE_SCREENSHOT=1 the opened citation
also replaces docs/screenshot.png (the README's picture).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT
from playwright.sync_api import Browser, Page, expect, sync_playwright

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


@pytest.fixture
def page(browser: Browser, app_url: str) -> Iterator[Page]:
    """A fresh browser session (its own chat history) with the app loaded."""
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(app_url)
    expect(page.locator("#wr-question textarea")).to_be_editable()
    try:
        yield page
    finally:
        context.close()


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
