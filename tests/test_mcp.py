"""`webinar-rag mcp` as MCP clients use it: the SDK's own client (`mcp.ClientSession`) against
the real server process, over stdio and over streamable HTTP, on a real index."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from tests.support.fault_server import FaultServer
from tests.support.seed import ANSWER_KEYS, CORPUS_FILE, ROOT, SOURCE
from webinar_rag.mcp.server import NO_LLM

STANDUP = """WEBVTT

00:00:01.000 --> 00:00:06.000
<v Olivia Chen>I will send the revised budget to the finance team by Friday.

00:00:06.500 --> 00:00:11.000
<v Tomas Berg>Good. The budget needs the new hiring numbers before then.
"""

QUESTION = "What does Japan's AI bill enforce?"
TOOLS = {"search", "ask", "overview", "list_documents", "list_speakers"}
Session = Callable[[ClientSession], Awaitable[None]]


def server_args(index: Path, *extra: str) -> list[str]:
    return ["-m", "webinar_rag.cli", "mcp", "--index", str(index), *extra]


def over_stdio(index: Path, check: Session, *extra: str, env: dict[str, str] | None = None) -> None:
    """Start the server as a client would (a subprocess on stdio, with the SDK's default
    environment and `env`: no LLM endpoint unless `env` names one) and run `check` in a
    session with it."""

    async def run() -> None:
        params = StdioServerParameters(
            command=sys.executable, args=server_args(index, *extra), cwd=ROOT, env=env
        )
        with open(index.parent / "mcp-stderr.log", "w") as errlog:
            async with (
                stdio_client(params, errlog=errlog) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                await check(session)

    anyio.run(run)


def structured(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content
    data = result.structured_content
    assert data == json.loads(result.content[0].text)  # both forms say the same
    return dict(data)


@pytest.mark.slow
def test_the_tools_and_resources_over_stdio(index_dir: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(index_dir, index)

    async def check(session: ClientSession) -> None:
        tools = {t.name: t for t in (await session.list_tools()).tools}
        assert set(tools) == TOOLS  # read-only: no ingest without the flag
        assert all(t.annotations and t.annotations.read_only_hint for t in tools.values())

        answer = structured(await session.call_tool("ask", {"question": QUESTION}))
        assert set(answer) == ANSWER_KEYS
        assert not answer["refused"] and answer["citations"]
        cited = answer["citations"][0]
        assert cited["speaker"] and cited["quote"] in CORPUS_FILE.read_text("utf-8")

        refusal = structured(
            await session.call_tool("ask", {"question": "What is the capital of Peru?"})
        )
        assert refusal["refused"] and not refusal["citations"]

        found = structured(
            await session.call_tool("search", {"query": QUESTION, "k": 2, "speaker": "Tsuda"})
        )
        assert [p["rank"] for p in found["passages"]] == [1, 2]
        assert {p["speaker"] for p in found["passages"]} == {"Makiko Tsuda"}

        documents = structured(await session.call_tool("list_documents", {}))["documents"]
        assert [d["name"] for d in documents] == [SOURCE]
        speakers = structured(await session.call_tool("list_speakers", {}))["documents"]
        assert "Makiko Tsuda" in {s["name"] for s in speakers[0]["speakers"]}

        listed = (await session.list_resources()).resources
        assert [str(r.uri) for r in listed] == [documents[0]["uri"]]
        text = (await session.read_resource(documents[0]["uri"])).contents[0]
        assert text.text == CORPUS_FILE.read_text("utf-8")  # what the offsets count in
        start, end = cited["start_char"], cited["end_char"]
        assert text.text[start:end] == cited["quote"]

        bad = await session.call_tool("ask", {"question": QUESTION, "speaker": "Nobody Atall"})
        assert bad.is_error and "No speaker matches 'Nobody Atall'" in bad.content[0].text
        bad = await session.call_tool("search", {"query": QUESTION, "k": 500})
        assert bad.is_error and "k=500" in bad.content[0].text
        with pytest.raises(Exception, match="No document named"):
            await session.read_resource("transcript://missing.vtt")

    over_stdio(index, check)


@pytest.mark.slow
def test_the_overview_tool_gives_the_json_of_summary_json(index_dir: Path, tmp_path: Path) -> None:
    served, other = tmp_path / "served" / "index", tmp_path / "cli" / "index"
    shutil.copytree(index_dir, served)
    shutil.copytree(index_dir, other)  # built apart, not read back from the server's copy
    summary = ["summary", "--json", "--words", "80", "--index", str(other)]
    printed = subprocess.run(
        [sys.executable, "-m", "webinar_rag.cli", *summary],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    text = CORPUS_FILE.read_text("utf-8")

    async def check(session: ClientSession) -> None:
        whole = structured(
            await session.call_tool("overview", {"documents": [SOURCE], "words": 80})
        )
        assert whole == json.loads(printed)
        assert whole["summary"] and whole["decisions"] == [] and whole["actions"] == []
        for c in whole["citations"]:
            assert text[c["start_char"] : c["end_char"]] == c["quote"]
        speakers = {v["speaker"] for v in whole["speakers"]}
        assert {"Makiko Tsuda", "Juha Heikkilä"} <= speakers

        one = structured(await session.call_tool("overview", {"speaker": "Tsuda"}))
        assert one["speaker"] == "Makiko Tsuda"
        assert {c["speaker"] for c in one["citations"]} == {"Makiko Tsuda"}

        bad = await session.call_tool("overview", {"words": 5})
        assert bad.is_error and "use 10 to 2000" in bad.content[0].text
        bad = await session.call_tool("overview", {"documents": ["missing.vtt"]})
        assert bad.is_error and "missing.vtt" in bad.content[0].text
        bad = await session.call_tool("overview", {"llm": True})  # this server has no LLM
        assert bad.is_error and NO_LLM in bad.content[0].text

    over_stdio(served, check)


@pytest.mark.slow
def test_the_overview_tool_adds_the_written_summary_or_its_fallback(
    index_dir: Path, tmp_path: Path, fault_server: FaultServer
) -> None:
    index = tmp_path / "index"
    shutil.copytree(index_dir, index)
    env = {"OPENAI_BASE_URL": fault_server.serve("500"), "WEBINAR_RAG_LLM_RETRIES": "0"}
    text = CORPUS_FILE.read_text("utf-8")

    async def check(session: ClientSession) -> None:
        plain = structured(await session.call_tool("overview", {"documents": [SOURCE]}))
        assert "written" not in plain
        data = structured(await session.call_tool("overview", {"documents": [SOURCE], "llm": True}))
        assert {k: v for k, v in data.items() if k != "written"} == plain  # the overview unchanged
        written = data["written"]
        assert set(written) == {"text", "citations", "backend", "removed", "notice"}
        assert written["backend"] == "extractive" and "could not be used" in written["notice"]
        assert written["citations"] and written["text"]
        for c in written["citations"]:
            assert text[c["start_char"] : c["end_char"]] == c["quote"]

    over_stdio(index, check, env=env)


@pytest.mark.slow
def test_ingest_only_when_allowed_and_only_inside_the_corpus(
    index_dir: Path, tmp_path: Path
) -> None:
    index, corpus = tmp_path / "index", tmp_path / "corpus"
    shutil.copytree(index_dir, index)
    corpus.mkdir()
    shutil.copy(CORPUS_FILE, corpus / SOURCE)
    (corpus / "standup.vtt").write_text(STANDUP, encoding="utf-8")

    async def check(session: ClientSession) -> None:
        assert {t.name for t in (await session.list_tools()).tools} == {*TOOLS, "ingest"}
        outside = await session.call_tool("ingest", {"paths": ["../index"]})
        assert outside.is_error and "outside the corpus folder" in outside.content[0].text
        report = structured(await session.call_tool("ingest", {"paths": ["standup.vtt"]}))
        assert report["documents"] == 2
        documents = structured(await session.call_tool("list_documents", {}))["documents"]
        assert {d["name"] for d in documents} == {SOURCE, "standup.vtt"}
        found = structured(
            await session.call_tool("search", {"query": "budget", "document": "standup.vtt"})
        )
        assert found["passages"] and all(p["source"] == "standup.vtt" for p in found["passages"])

    over_stdio(index, check, "--corpus", str(corpus), "--allow-ingest")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def http_session(url: str) -> AsyncIterator[ClientSession]:
    async with streamable_http_client(url) as (read, write), ClientSession(read, write) as s:
        await s.initialize()
        yield s


@pytest.mark.slow
def test_streamable_http_on_loopback(index_dir: Path, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "server.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [sys.executable, *server_args(index_dir, "--http", str(port))],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, log.read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.5)

        async def check() -> None:
            async with http_session(f"http://127.0.0.1:{port}/mcp") as session:
                answer = structured(await session.call_tool("ask", {"question": QUESTION}))
                assert not answer["refused"] and answer["citations"]

        anyio.run(check)
        listening = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True).stdout
        bound = {line.split()[3] for line in listening.splitlines() if f":{port}" in line}
        assert bound == {f"127.0.0.1:{port}"}  # loopback only
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.parametrize(
    ("extra", "message"),
    [((), "webinar-rag ingest"), (("--http", "70000"), "--http 70000 is not a port")],
)
def test_bad_setup_is_one_line_and_a_nonzero_exit(
    tmp_path: Path, extra: tuple[str, ...], message: str
) -> None:
    done = subprocess.run(
        [sys.executable, *server_args(tmp_path / "none", *extra)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert done.stderr.startswith("webinar-rag: error: ") and message in done.stderr
    assert done.stdout == ""  # stdout is the protocol's
