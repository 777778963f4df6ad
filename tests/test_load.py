"""Many clients at once, at a small scale (the figures come from `python -m bench.reliability`):
no errors, the single-client answers, memory that stays put, an LLM that fails under load
still giving cited answers, and a full queue that says so."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from gradio_client import Client

from retrieval import Assistant
from tests.support.llm_server import MODEL_ALIAS, FaultServer
from tests.support.load import Ask, levels, memory, questions, reference, served
from webinar_rag.core import LLMSettings

pytestmark = pytest.mark.slow
POOL = questions()[:24]


def python_ask(assistant: Assistant) -> Any:
    return lambda n: lambda q: assistant.ask(q).to_dict()


@pytest.fixture(scope="module")
def expected(assistant: Assistant) -> dict[str, str]:
    return reference(lambda q: assistant.ask(q).to_dict(), POOL)


def test_threads_get_the_single_client_answers(
    assistant: Assistant, expected: dict[str, str]
) -> None:
    done = levels(python_ask(assistant), [1, 16], len(POOL) * 2, POOL, expected)
    for level in done:
        assert (level.errors, level.different, level.uncited) == (0, 0, 0), level
        assert level.questions == len(POOL) * 2


def test_api_clients_get_the_single_client_answers(app_url: str, expected: dict[str, str]) -> None:
    def client(n: int) -> Ask:
        session = Client(app_url, verbose=False)
        return lambda q: session.predict(q, api_name="/ask")

    [level] = levels(client, [8], len(POOL), POOL, expected)
    assert (level.errors, level.different, level.questions) == (0, 0, len(POOL)), level


def test_memory_stays_put_over_many_questions(assistant: Assistant) -> None:
    used = memory(python_ask(assistant), POOL, total=240, clients=4)
    assert used.growth_mb < 100, used.samples_mb  # generous: a leak per answer would show


def test_an_llm_failing_under_load_still_gives_cited_answers(
    assistant: Assistant, fault_server: FaultServer
) -> None:
    modes = ["500", "garbage", "cut", "empty", "401"]
    llm = LLMSettings(
        base_url=fault_server.serve(modes[0]), api_key="sk-test", model=MODEL_ALIAS, max_retries=0
    )
    faulty = assistant.with_settings(llm=llm, backend="llm")
    for mode in modes:
        fault_server.serve(mode)
        [level] = levels(lambda n: lambda q: faulty.ask(q).to_dict(), [8], 16, POOL)
        assert (level.errors, level.uncited) == (0, 0), (mode, level)
        assert set(level.backends) == {"extractive"}  # every answer fell back to the quotes


def test_a_full_queue_says_so(assistant: Assistant, fault_server: FaultServer) -> None:
    """One place in the queue, four workers, answers held up by a slow LLM: the sixth request
    at once is turned away with Gradio's message, the others are answered."""
    fault_server.slow_seconds = 3.0
    llm = LLMSettings(
        base_url=fault_server.serve("slow"), api_key="sk-test", model=MODEL_ALIAS, max_retries=0
    )
    slow = assistant.with_settings(llm=llm, backend="llm")
    outcomes: list[str] = []
    with served(slow, queue_size=1) as url:
        clients = [Client(url, verbose=False) for _ in range(8)]

        def ask(client: Client) -> None:
            try:
                record = client.predict(POOL[0], api_name="/ask")
                outcomes.append("answer" if record["citations"] else "uncited")
            except Exception as exc:
                outcomes.append(str(exc))

        threads = [threading.Thread(target=ask, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    full = [o for o in outcomes if o not in ("answer", "uncited")]
    assert "uncited" not in outcomes
    assert 1 <= outcomes.count("answer") <= 5 and len(full) == 8 - outcomes.count("answer")
    assert all("Queue is full" in o for o in full), full
