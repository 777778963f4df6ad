"""The LLM-written summary paragraph: map-reduce over the meeting's passages, every claim
verified against the transcript; the extractive summary, with a notice, when nothing holds or
the endpoint fails. A scripted client for what the verifier keeps, the real local model for the
whole path."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest

from retrieval import Assistant, Written
from retrieval.overview import write_summary
from tests.support.fault_server import FaultServer
from tests.test_llm import llm_settings, with_llm
from webinar_rag import cli
from webinar_rag.core import Hit, LLMUnavailable

slow = pytest.mark.slow
FALSE = "The speakers agreed to move the whole event to the Moon in 2031."


class Scripted:
    """A client whose reply to each part is its first sentence said again, and a false claim."""

    def __init__(self, true: bool = True, fail: bool = False) -> None:
        self.true, self.fail, self.calls = true, fail, 0

    def complete(self, question: str, hits: Sequence[Hit]) -> str:
        self.calls += 1
        if self.fail:
            raise LLMUnavailable("scripted outage")
        first = re.split(r"(?<=[.!?])\s", hits[0].chunk.text)[0]
        return (f"{first} [1] " if self.true else "") + f"{FALSE} [2]"


def check_written(assistant: Assistant, written: Written) -> None:
    """Every marker names a citation, numbered 1..n, each a verbatim sentence of the index."""
    assert written.text.strip()
    assert [c.n for c in written.citations] == list(range(1, len(written.citations) + 1))
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", written.text)}
    assert markers and markers <= {c.n for c in written.citations}, written.text
    for c in written.citations:
        assert assistant.source_text(c.source)[c.start_char : c.end_char] == c.quote


@slow
def test_each_part_is_verified_and_the_false_claim_removed(assistant: Assistant) -> None:
    overview = assistant.overview()
    client = Scripted()
    written = write_summary(client, assistant.verifier, assistant.store, overview, 3)  # type: ignore[arg-type]
    assert written.backend == "llm" and client.calls >= 2  # map: several parts
    check_written(assistant, written)
    assert FALSE not in written.text and FALSE in written.removed
    assert written.notice and "removed" in written.notice
    assert assistant.overview() == overview  # the extractive overview is untouched


@slow
@pytest.mark.parametrize(
    "client", [Scripted(true=False), Scripted(fail=True)], ids=["false", "down"]
)
def test_nothing_verified_or_no_endpoint_gives_the_extractive_summary(
    assistant: Assistant, client: Scripted
) -> None:
    overview = assistant.overview()
    written = write_summary(client, assistant.verifier, assistant.store, overview, 3)  # type: ignore[arg-type]
    assert written.backend == "extractive" and written.notice
    assert "extractive summary" in written.notice
    only = overview.restricted("summary")
    assert written.citations == only.citations
    assert written.text == " ".join(only.text("summary").split())
    check_written(assistant, written)


@slow
def test_the_real_local_model_writes_a_verified_summary_or_falls_back(
    assistant: Assistant, llama_url: str
) -> None:
    llm = with_llm(assistant, llm_settings(llama_url))
    written = llm.written_summary()
    check_written(llm, written)
    if written.backend == "llm":
        assert written.removed == () or written.notice
    else:
        assert written.notice and "extractive summary" in written.notice


@slow
def test_an_endpoint_fault_falls_back(assistant: Assistant, fault_server: FaultServer) -> None:
    settings = llm_settings(fault_server.serve("500"), timeout=2.0, max_retries=0)
    written = with_llm(assistant, settings).written_summary()
    assert written.backend == "extractive" and written.notice
    assert "could not be used" in written.notice


def test_summary_llm_writes_one_summary(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["summary", "--llm", "--compare", "--document", "a.vtt", "--document", "b.vtt"]
    assert cli.main(argv) == 2  # refused before any index or model is loaded
    err = capsys.readouterr().err.strip()
    assert "--llm writes one summary" in err and len(err.splitlines()) == 1
