"""The page without a browser: its API (/ask, /search) from gradio_client, the chat and search
handlers, the filters, the examples, the HTML, the serving config. (Over 250 lines on purpose:
one file per face, as test_cli.py is for the CLI.)

The documents tab (upload, remove) is tested in test_ui_corpus.py, the browser in
test_ui_browser.py.
"""

from __future__ import annotations

import copy
import html
import re
import socket
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import gradio as gr
import pytest
from gradio_client import Client

from eval.local_llm import free_port
from ingest import parse_transcript
from retrieval import REFUSAL, Assistant
from tests.support.llm_server import CUT_TEXT, MODEL_ALIAS, FaultServer
from tests.support.seed import ANSWER_KEYS, ROOT, SOURCE
from webinar_rag import cli
from webinar_rag.core import (
    DOCUMENT,
    Answer,
    Chunk,
    Citation,
    ConfigError,
    Hit,
    LLMSettings,
    Place,
    ServeSettings,
    Source,
    WebinarRagError,
)
from webinar_rag.ui import build_app, filters, launch, render
from webinar_rag.ui.chat import Chat
from webinar_rag.ui.examples import example_questions
from webinar_rag.ui.search import Search, hits_html
from webinar_rag.ui.serve import parser

BILL = "What does Japan's AI bill enforce?"
OFF_TOPIC = "What is the recipe for tiramisu?"
MARKED = re.compile(r"<mark>(.*?)</mark>", re.S)


@pytest.fixture(scope="module")
def client(app_url: str) -> Client:
    return Client(app_url, verbose=False)


def final(chat: Chat, question: str, **options: Any) -> tuple[list[tuple[Any, ...]], str]:
    """Every update the chat handler yields, and the content of the last chat message."""
    updates = list(chat.respond(question, [], [], **options))
    return updates, updates[-1][0][-1]["content"]


# -- the API, from gradio_client ---------------------------------------------------------------


@pytest.mark.slow
def test_ask_endpoint_returns_the_answer_json_with_verbatim_citations(
    client: Client, corpus_text: str
) -> None:
    record = client.predict(BILL, api_name="/ask")
    assert set(record) == ANSWER_KEYS
    assert record["question"] == BILL
    assert record["refused"] is False
    assert record["citations"]
    assert "Makiko Tsuda" in {c["speaker"] for c in record["citations"]}
    for c in record["citations"]:
        assert c["source"] == SOURCE
        assert corpus_text[c["start_char"] : c["end_char"]] == c["quote"]


@pytest.mark.slow
def test_ask_endpoint_refuses_an_off_topic_question(client: Client) -> None:
    record = client.predict(OFF_TOPIC, api_name="/ask")
    assert record["refused"] is True
    assert record["citations"] == []
    assert record["answer"] == REFUSAL


@pytest.mark.slow
def test_ask_endpoint_takes_a_speaker_and_k(client: Client) -> None:
    record = client.predict(
        "How should the EU and Japan cooperate on AI?", "Ichikawa", 2, api_name="/ask"
    )
    assert record["citations"]
    assert {c["speaker"] for c in record["citations"]} == {"Tagui Ichikawa"}
    assert 1 <= len(record["contexts"]) <= 2


@pytest.mark.slow
def test_ask_endpoint_errors_say_what_to_do(client: Client) -> None:
    with pytest.raises(Exception, match="No speaker matches 'Nobody'") as caught:
        client.predict(BILL, "Nobody", api_name="/ask")
    assert "Traceback" not in str(caught.value)
    with pytest.raises(Exception, match="The question is empty"):
        client.predict("   ", api_name="/ask")


@pytest.mark.slow
def test_ask_endpoint_takes_a_document_last(client: Client) -> None:
    """Old positional calls (question, speaker, k) still work; the document comes after."""
    record = client.predict(BILL, None, None, SOURCE, api_name="/ask")
    assert record["citations"] and {c["source"] for c in record["citations"]} == {SOURCE}
    by_stem = client.predict(BILL, document=SOURCE.removesuffix(".md"), api_name="/ask")
    assert by_stem["citations"] == record["citations"]
    with pytest.raises(Exception, match=r"No document matches 'nothing\.vtt'"):
        client.predict(BILL, document="nothing.vtt", api_name="/ask")


@pytest.mark.slow
def test_search_endpoint_lists_ranked_passages_without_an_answer(
    client: Client, assistant: Assistant, corpus_text: str
) -> None:
    hits = client.predict(BILL, api_name="/search")
    assert isinstance(hits, list) and hits
    assert hits == [h.to_dict() for h in assistant.search(BILL)]  # in the assistant's order
    for h in hits:
        assert h["source"] == SOURCE
        assert h["start_char"] < h["end_char"] <= len(corpus_text)
    tsuda = client.predict(BILL, "Tsuda", SOURCE, 2, api_name="/search")
    assert 1 <= len(tsuda) <= 2 and {h["speaker"] for h in tsuda} == {"Makiko Tsuda"}
    with pytest.raises(Exception, match=r"k=0 is not a number of passages.*1 to 50"):
        client.predict(BILL, None, None, 0, api_name="/search")
    with pytest.raises(Exception, match="No speaker matches 'Nobody'"):
        client.predict(BILL, "Nobody", api_name="/search")


@pytest.mark.slow
def test_only_ask_and_search_are_public_endpoints(client: Client) -> None:
    api = client.view_api(print_info=False, return_format="dict")
    assert isinstance(api, dict)
    assert set(api["named_endpoints"]) == {"/ask", "/search"}
    params = {
        name: [p["parameter_name"] for p in endpoint["parameters"]]
        for name, endpoint in api["named_endpoints"].items()
    }
    assert params == {
        "/ask": ["question", "speaker", "k", "document"],
        "/search": ["query", "speaker", "document", "k"],
    }


# -- the chat handler: streaming, refusals, notices, errors -------------------------------------


@pytest.mark.slow
def test_respond_answers_with_cards_and_lists_the_citations(assistant: Assistant) -> None:
    chat = Chat(assistant)
    history = [{"role": "user", "content": "earlier"}, {"role": "assistant", "content": "x"}]
    updates = list(chat.respond(BILL, history, [None, None]))
    history_out, cited, citations, panel, box = updates[-1]
    assert len(history) == 2  # the session's history is copied, never changed in place
    assert [m["role"] for m in history_out] == ["user", "assistant", "user", "assistant"]
    assert history_out[2]["content"] == html.escape(BILL)
    assert len(cited) == 4 and cited[3]
    assert "wr-card" in history_out[3]["content"]
    assert "Makiko Tsuda" in history_out[3]["content"]
    assert citations["choices"] == [
        (f"[{c.n}] {render.speaker_label(c.speaker)}", f"3:{c.n}") for c in cited[3].citations
    ]
    assert panel == render.NO_CITATION
    assert box == ""
    # the first update already shows the question, the next ones the answer
    assert "wr-wait" in updates[0][0][-1]["content"]


@pytest.mark.slow
def test_respond_refusal_and_empty_question_look_different(assistant: Assistant) -> None:
    chat = Chat(assistant)
    _, refused = final(chat, OFF_TOPIC)
    assert "wr-refusal" in refused and "wr-card" not in refused
    _, filtered = final(chat, OFF_TOPIC, speaker="Makiko Tsuda")
    assert "wr-refusal" in filtered and "Only the words of Makiko Tsuda were" in filtered
    _, in_document = final(chat, OFF_TOPIC, document=SOURCE)
    title = html.escape(assistant.store.sources[SOURCE].label)
    assert f"Only “{title}” was searched" in in_document
    _, both = final(chat, OFF_TOPIC, speaker="Makiko Tsuda", document=SOURCE)
    assert f"Only the words of Makiko Tsuda in “{title}” were searched" in both
    updates, empty = final(chat, "  ")
    assert "wr-notice" in empty and "Type a question first" in empty
    assert len(updates[-1][0]) == 1  # no empty user bubble


@pytest.mark.slow
def test_respond_turns_errors_into_messages_never_tracebacks(
    assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, unknown = final(Chat(assistant), BILL, speaker="Nobody")
    assert "wr-error" in unknown and "No speaker matches" in unknown

    broken = assistant.with_settings()

    def fail(*args: Any, **kwargs: Any) -> Iterator[str | Answer]:
        raise RuntimeError("secret internals at line 42")
        yield ""  # a generator, like the real one

    monkeypatch.setattr(broken, "stream", fail)
    _, message = final(Chat(broken), BILL)
    assert "wr-error" in message and "went wrong" in message
    assert "secret" not in message and "Traceback" not in message


@pytest.mark.slow
def test_respond_streams_the_llm_and_shows_a_notice_when_it_breaks(
    assistant: Assistant, fault_server: FaultServer
) -> None:
    llm = LLMSettings(
        base_url=fault_server.serve("cut"), api_key="sk-test", model=MODEL_ALIAS, max_retries=0
    )
    with_llm = assistant.with_settings(llm=llm, backend="llm")
    updates, message = final(Chat(with_llm), BILL, backend="llm")
    streamed = [u[0][-1]["content"] for u in updates[1:-1]]
    assert any(CUT_TEXT[0].strip() in s for s in streamed)  # words showed as they came
    assert "wr-notice" in message and "LLM could not answer" in message
    assert "wr-card" in message
    assert all(piece.strip() not in message for piece in CUT_TEXT)
    # an assistant with an LLM configured offers the choice of backend
    radios = [b for b in build_app(with_llm).blocks.values() if isinstance(b, gr.Radio)]
    assert any(r.elem_id == "wr-backend" and r.visible for r in radios)


@pytest.mark.slow
def test_citations_open_in_context_and_earlier_answers_list_theirs(
    assistant: Assistant,
) -> None:
    chat = Chat(assistant)
    first = list(chat.respond(BILL, [], []))[-1]
    history, cited = first[0], first[1]
    second = list(chat.respond(OFF_TOPIC, history, cited))[-1]
    cited = second[1]
    panel = chat.open_citation("1:1", cited)
    assert "<mark>" in panel
    for bad in (None, "", "nonsense", "9:1", "1:99", "0:1"):
        assert chat.open_citation(bad, cited) == render.NO_CITATION
    picked = gr.SelectData(None, {"index": 1, "value": ""})
    update, reset = chat.pick_message(cited, picked)
    assert update["choices"] == render.citation_choices(1, cited[1].citations)
    assert reset == render.NO_CITATION
    assert chat.pick_message(cited, gr.SelectData(None, {"index": 3, "value": ""})) == (
        gr.update(),
        gr.update(),
    )


# -- HTML rendering ---------------------------------------------------------------------------

HOSTILE = (
    "## **Ann Example, Chief <b>Officer</b>, Org & Co**\n\n"
    "Hello <script>alert('x')</script> world. The quote <img src=x onerror=alert(1)> & more "
    "is here. After it.\n\n"
    "A second paragraph follows.\n"
)


def hostile_citation(
    text: str, quote: str, n: int = 1, speaker: str | None = "Ann Example"
) -> Citation:
    start = text.index(quote)
    return Citation(n, speaker, "Chief", quote, "id", "t.md", start, start + len(quote))


def test_passage_html_escapes_everything_and_marks_exactly_the_quote() -> None:
    source = Source("t.md", "sha", HOSTILE, tuple(parse_transcript(HOSTILE, "t.md")))
    quote = "The quote <img src=x onerror=alert(1)> & more is here."
    rendered = render.passage_html(source, hostile_citation(HOSTILE, quote))
    assert "<script" not in rendered and "<img" not in rendered and "<b>" not in rendered
    assert "&lt;script&gt;" in rendered
    assert MARKED.findall(rendered) == [html.escape(quote)]
    assert '<div class="wr-ctx-who">Ann Example</div>' in rendered
    assert "Chief &lt;b&gt;Officer&lt;/b&gt;, Org &amp; Co" in rendered
    assert "A second paragraph follows." in rendered  # the next paragraph, for context


def test_answer_html_escapes_and_styles_refusals_and_notices() -> None:
    quote = "Hello <script>alert('x')</script> world."
    citation = hostile_citation(HOSTILE, quote, speaker=None)
    answer = Answer(
        question="q",
        text="<script>bad()</script> [1]",
        refused=False,
        citations=(citation,),
        contexts=(),
        notice="The <LLM> failed",
    )
    rendered = render.answer_html(answer)
    assert "<script" not in rendered and "<LLM>" not in rendered
    assert "&lt;script&gt;bad()&lt;/script&gt; [1]" in rendered
    assert '<span class="wr-who">Document</span>' in rendered
    assert 'class="wr-notice"' in rendered and "The &lt;LLM&gt; failed" in rendered
    assert "\n\n" not in rendered  # a blank line would end the chat's HTML block
    refusal = render.answer_html(Answer("q", REFUSAL, True, (), ()))
    assert 'class="wr-refusal"' in refusal and "wr-card" not in refusal


def test_cards_show_the_time_or_page_and_the_document_title_when_there_are_several() -> None:
    quote = "Hello <script>alert('x')</script> world."
    timed = replace(hostile_citation(HOSTILE, quote), document="<i>Evil</i> & Co", start_time=754.0)
    paged = replace(hostile_citation(HOSTILE, quote, n=2), document="Minutes", page=3)
    answer = Answer("q", "x [1] [2]", False, (timed, paged), ())
    one = render.answer_html(answer)
    assert '<span class="wr-where">[12:34]</span>' in one
    assert '<span class="wr-where">p. 3</span>' in one
    assert "wr-doc" not in one  # one document: no need to name it
    several = render.answer_html(answer, documents=True)
    assert '<span class="wr-doc">&lt;i&gt;Evil&lt;/i&gt; &amp; Co</span>' in several
    assert "<i>Evil" not in several
    # the speaker comes first, then the time, in the card and in the citation list
    assert several.index("wr-who") < several.index("wr-where") < several.index("wr-doc")
    assert [label for label, _ in render.citation_choices(0, (timed, paged))] == [
        "[1] Ann Example [12:34]",
        "[2] Ann Example p. 3",
    ]


def test_passage_header_names_the_document_and_the_time() -> None:
    source = Source(
        "<b>x</b>.vtt", "sha", HOSTILE, tuple(parse_transcript(HOSTILE, "t.md")), title="A & B"
    )
    quote = "The quote <img src=x onerror=alert(1)> & more is here."
    c = replace(hostile_citation(HOSTILE, quote), start_time=3725.0, document="A & B")
    rendered = render.passage_html(source, c)
    meta = re.search(r'<div class="wr-ctx-meta">(.*?)</div>', rendered)
    assert meta is not None
    assert "[1:02:05]" in meta.group(1)
    assert '<span class="wr-ctx-doc">A &amp; B</span>' in meta.group(1)
    assert "&lt;b&gt;x&lt;/b&gt;.vtt" in meta.group(1) and "<b>x" not in rendered


def test_search_results_escape_speakers_titles_and_text() -> None:
    text = "## **Eve <img src=x>, Org & Co**\n\nThe <script>x()</script> plan.\n"
    source = Source("e.md", "sha", text, tuple(parse_transcript(text, "e.md")), title="<T>")
    chunk = Chunk(
        id="c1",
        source="e.md",
        speaker="Eve <img src=x>",
        affiliation="Org & Co",
        turn_index=0,
        start_char=text.index("The"),
        end_char=len(text) - 1,
        text="The <script>x()</script> plan.",
        sentences=(),
    )
    rendered = hits_html([Hit(chunk, 0.5, Place.of(source, chunk.start_char, chunk.end_char))])
    assert "<script" not in rendered and "<img" not in rendered and "<T>" not in rendered
    assert "Eve &lt;img src=x&gt;" in rendered and "&lt;T&gt;" in rendered
    assert '<span class="wr-score" title="similarity">0.500</span>' in rendered


@pytest.mark.slow
def test_search_tab_lists_passages_and_says_why_when_none(assistant: Assistant) -> None:
    search = Search(assistant)
    rendered = search.run(BILL, k=3)
    assert rendered.count('class="wr-hit"') == 3
    assert "Makiko Tsuda" in rendered
    assert "Type what to look for" in search.run("  ")
    assert "No speaker matches" in search.run(BILL, speaker="Nobody")
    assert "No document matches" in search.run(BILL, document="nothing.pdf")


@pytest.mark.slow
def test_document_filter_offers_titles_and_tells_equal_titles_apart(
    assistant: Assistant,
) -> None:
    choices = filters.document_choices(assistant)
    assert choices[0] == ("All documents", filters.ALL)
    assert choices[1] == (assistant.store.sources[SOURCE].label, SOURCE)
    twin = replace(assistant.store.sources[SOURCE], name="twin.md")
    doubled = assistant.with_settings()
    doubled.store = copy.copy(assistant.store)
    doubled.store.sources = {**assistant.store.sources, "twin.md": twin}  # type: ignore[misc]
    labels = [label for label, _ in filters.document_choices(doubled)]
    assert labels[1:] == [f"{twin.label} ({SOURCE})", f"{twin.label} (twin.md)"]
    speakers = filters.speaker_choices(assistant)
    assert speakers[0] == ("All speakers", filters.ALL) and speakers[-1][1] == DOCUMENT
    assert "Makiko Tsuda" in [value for _, value in speakers]


@pytest.mark.slow
def test_examples_come_from_the_index_and_get_answers(assistant: Assistant) -> None:
    questions = example_questions(assistant.store)
    assert questions == example_questions(assistant.store)  # deterministic
    assert len(questions) == 4
    speakers = set(assistant.speakers.names)
    for question in questions:
        said = re.fullmatch(r"What did (.+) say about (.+)\?", question)
        assert said and said.group(1) in speakers
        assert said.group(2).casefold() not in said.group(1).casefold()
        answer = assistant.ask(question)
        assert not answer.refused, question
        assert {c.speaker for c in answer.citations} == {said.group(1)}


def test_the_page_names_no_corpus() -> None:
    """The page is for any transcripts: no words of its own say "webinar" (the product's name
    aside) or name the shipped report's subject."""
    for path in sorted((ROOT / "webinar_rag" / "ui").iterdir()):
        if path.suffix in (".py", ".css"):
            # the product's name (webinar-rag, WebinarRagError) is not the page's wording
            text = re.sub(r"webinar[-_]?rag", "", path.read_text(encoding="utf-8").casefold())
            assert "webinar" not in text and "japan" not in text, path.name


@pytest.mark.slow
def test_passage_html_for_real_citations_shows_the_speaker_and_the_quote(
    assistant: Assistant,
) -> None:
    source = assistant.store.sources[SOURCE]
    for question in (BILL, "Who co-organized the webinar?"):
        answer = assistant.ask(question)
        assert answer.citations
        for c in answer.citations:
            rendered = render.passage_html(source, c)
            assert html.unescape("".join(MARKED.findall(rendered))) == c.quote
            who = re.search(r'<div class="wr-ctx-who">(.*?)</div>', rendered)
            assert who and html.unescape(who.group(1)) == (c.speaker or "Document")


# -- configuration ------------------------------------------------------------------------------


def test_basic_auth_comes_from_the_environment_only_when_complete() -> None:
    assert ServeSettings.from_env({}).auth is None
    env = {"WEBINAR_RAG_USER": "ann", "WEBINAR_RAG_PASSWORD": "s3cret"}
    assert ServeSettings.from_env(env).auth == ("ann", "s3cret")
    for half in ({"WEBINAR_RAG_USER": "ann"}, {"WEBINAR_RAG_PASSWORD": "s3cret"}):
        with pytest.raises(ConfigError, match="set WEBINAR_RAG_"):
            ServeSettings.from_env(half)
    assert issubclass(ConfigError, WebinarRagError)  # the faces' one-line error


def address(
    env: dict[str, str], host: str | None = None, port: int | None = None
) -> tuple[str, int]:
    where = ServeSettings.from_env(env, host=host, port=port)
    return where.host, where.port


def test_address_defaults_to_localhost_and_arguments_win_over_the_environment() -> None:
    assert address({}) == ("127.0.0.1", 7860)
    env = {"WEBINAR_RAG_HOST": "0.0.0.0", "WEBINAR_RAG_PORT": "8080"}
    assert address(env) == ("0.0.0.0", 8080)
    assert address(env, "127.0.0.1", 9000) == ("127.0.0.1", 9000)
    for bad in ("http", "0", "70000"):
        with pytest.raises(ConfigError, match="not a port number"):
            address({"WEBINAR_RAG_PORT": bad})


@pytest.mark.slow
def test_login_is_required_when_auth_is_set(assistant: Assistant) -> None:
    demo = build_app(assistant)
    login = {"WEBINAR_RAG_USER": "ann", "WEBINAR_RAG_PASSWORD": "s3cret"}
    auth = ServeSettings.from_env(login).auth
    url = launch(demo, "127.0.0.1", free_port(), auth=auth, prevent_thread_lock=True)
    try:
        with pytest.raises(Exception):  # noqa: B017 - gradio_client raises its own kinds
            Client(url, verbose=False)
        with pytest.raises(Exception):  # noqa: B017
            Client(url, auth=("ann", "wrong"), verbose=False)
        logged_in = Client(url, auth=("ann", "s3cret"), verbose=False)
        assert logged_in.predict(OFF_TOPIC, api_name="/ask")["refused"] is True
    finally:
        demo.close()


def test_serve_help_names_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["serve", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for option in ("--host", "--port", "--index", "WEBINAR_RAG_HOST", "WEBINAR_RAG_PORT"):
        assert option in out
    assert "--port" in parser().format_help()


def test_serve_refuses_half_an_auth_config(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBINAR_RAG_USER", "ann")
    monkeypatch.delenv("WEBINAR_RAG_PASSWORD", raising=False)
    assert cli.main(["serve", "--port", str(free_port())]) == 2
    err = capsys.readouterr().err
    assert err.startswith("webinar-rag: error: Only one of WEBINAR_RAG_USER")
    assert len(err.splitlines()) == 1


def test_serve_says_when_the_port_is_taken(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("WEBINAR_RAG_USER", "WEBINAR_RAG_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        assert cli.main(["serve", "--host", "127.0.0.1", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"webinar-rag: error: Cannot serve on 127.0.0.1:{port}")
    assert len(err.splitlines()) == 1


@pytest.mark.slow
def test_a_refusal_under_filters_names_them(assistant: Assistant) -> None:
    title = assistant.store.sources[SOURCE].label
    notice = filters.filtered_notice
    assert notice(assistant, filters.ALL, filters.ALL) == notice(assistant, None, "") == ""
    assert notice(assistant, "Makiko Tsuda", None).startswith(
        "Only the words of Makiko Tsuda were searched; choose All speakers"
    )
    assert notice(assistant, DOCUMENT, None).startswith("Only the text no one speaks was searched")
    assert notice(assistant, None, SOURCE).startswith(f"Only “{title}” was searched")
    assert notice(assistant, DOCUMENT, SOURCE).startswith(
        f"Only the text no one speaks in “{title}” was searched; choose All speakers and All"
    )


@pytest.mark.slow
def test_a_follow_up_in_the_chat_leans_on_the_answer_before(assistant: Assistant) -> None:
    chat = Chat(assistant)
    *_, first = chat.respond("What does Japan's AI bill enforce?", [], [])
    history, cited = first[0], first[1]
    *_, second = chat.respond("What about the EU?", history, cited)
    message = second[0][-1]["content"]
    assert "Answering: What does the EU&#x27;s AI bill enforce?" in message


@pytest.mark.slow
def test_an_answer_about_several_speakers_shows_who_said_what_side_by_side(
    assistant: Assistant,
) -> None:
    answer = assistant.ask("How do Heikkilä and Tsuda each describe the role of innovation?")
    assert answer.grouped
    shown = render.answer_html(answer)
    assert shown.count("<tr><td") == len(answer.citations) >= 2
    assert "Juha Heikkilä" in shown and "Makiko Tsuda" in shown
    assert 'class="wr-compare"' in shown and 'class="wr-card"' in shown  # cards stay below
