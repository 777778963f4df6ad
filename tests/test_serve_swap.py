"""A running server keeps answering while `webinar-rag ingest` (another process) replaces its
index, and answers from the new index once it is swapped in, without a restart; never from a
half-written one. Real server (Gradio, /ask through gradio_client), real ingest process."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client

from ingest import ingest
from retrieval import Assistant
from tests.support.corpora import write_corpus
from tests.support.forkcli import ForkCLI, Result
from tests.support.load import plain
from tests.support.load import served as serving
from webinar_rag.core import Settings
from webinar_rag.models import Embedder

pytestmark = pytest.mark.slow
QUESTION = "What does the lighthouse repaint cost?"
NEW_FACT = "Zelda Quint: The lighthouse repaint costs nine thousand euros, paid in April.\n"
CLIENTS = 4


@pytest.fixture
def served(
    tmp_path: Path, settings: Settings, embedder: Embedder
) -> Iterator[tuple[str, Settings, Path]]:
    corpus = write_corpus(tmp_path / "corpus", files=4, turns=12)
    local = settings.at_index(tmp_path / "index" / "index").at_corpus(corpus)
    ingest([corpus], local, embedder=embedder)
    with serving(Assistant.load(local)) as url:
        yield url, local, corpus


def test_serve_answers_through_an_ingest_and_then_from_the_new_index(
    served: tuple[str, Settings, Path], fork_cli: ForkCLI
) -> None:
    url, local, corpus = served
    old = plain(Assistant.load(local).ask(QUESTION).to_dict())
    assert json.loads(old)["refused"]  # the old index knows nothing of the lighthouse
    (corpus / "lighthouse.txt").write_text(NEW_FACT, encoding="utf-8")
    for i in range(4):  # and more to embed, so the ingest takes a while
        (corpus / f"extra-{i}.txt").write_text((corpus / f"meeting-0{i}.txt").read_text() * 3)

    answers: list[list[tuple[float, str]]] = [[] for _ in range(CLIENTS)]
    errors: list[str] = []
    done = threading.Event()

    def ask(n: int) -> None:
        client = Client(url, verbose=False)
        while not done.is_set():
            try:
                answer = client.predict(QUESTION, api_name="/ask")
                answers[n].append((time.monotonic(), plain(answer)))
            except Exception as exc:  # every failure is counted, none may happen
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    result: list[Result] = []
    try:
        time.sleep(1.0)
        index_dir = str(local.index.index_dir)
        result = fork_cli.run([["ingest", str(corpus), "--index", index_dir]])
        swapped = time.monotonic()
        time.sleep(2.0)  # the answers after the swap
    finally:
        done.set()
        for t in threads:
            t.join(timeout=60)
    assert result and result[0].code == 0, result
    new = plain(Assistant.load(local).ask(QUESTION).to_dict())
    assert "Zelda Quint" in new
    assert not errors, errors[:3]
    for seen in answers:
        kinds = [(at, {old: "old", new: "new"}.get(text, "other")) for at, text in seen]
        assert "other" not in {k for _, k in kinds}  # never a mix of the two indexes
        labels = [k for _, k in kinds]
        assert labels[0] == "old" and labels[-1] == "new"  # answered through the swap
        assert labels == sorted(labels, key=lambda k: k == "new")  # never back to the old
        assert all(k == "new" for at, k in kinds if at > swapped + 0.5)
