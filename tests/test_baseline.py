"""The plain LangChain baseline: records in the JSON contract, quotes verbatim at offsets."""

from __future__ import annotations

import pytest

from eval.baseline import BaselineSettings, LangChainBaseline
from eval.metrics import summarise
from retrieval import Assistant
from webinar_rag.models import minilm_path

pytestmark = pytest.mark.slow

# Three topics, each longer than half a chunk, so the splitter cuts between them.
TOPICS = {
    "tea": "Green tea is grown on terraced hills near Shizuoka, where the leaves are steamed "
    "within hours of picking to keep their colour. ",
    "trains": "The night train leaves the northern terminal at eleven and reaches the coast "
    "by dawn, stopping twice for the crew to change. ",
    "bees": "Beekeepers move their hives to the clover fields in June, because the bees make "
    "the lightest honey from clover blossom. ",
}
TEXT = "\n\n".join(body * 5 for body in TOPICS.values())
SOURCE = "hand.md"


@pytest.fixture(scope="module")
def baseline() -> LangChainBaseline:
    return LangChainBaseline({SOURCE: TEXT}, minilm_path())


def test_chunks_follow_the_settings_and_know_their_offsets(baseline: LangChainBaseline) -> None:
    settings = BaselineSettings()
    assert len(baseline.documents) >= 3
    for doc in baseline.documents:
        start = doc.metadata["start_index"]
        assert TEXT[start : start + len(doc.page_content)] == doc.page_content
        assert len(doc.page_content) <= settings.chunk_size


def test_the_answer_quotes_the_right_chunk_verbatim(baseline: LangChainBaseline) -> None:
    question = "When do beekeepers move their hives to the clover?"
    record = baseline.ask(question, id="bees")
    assert record["id"] == "bees" and record["question"] == question
    assert record["refused"] is False and record["backend"] == "langchain"
    top = record["contexts"][0]
    assert "clover fields in June" in top["text"]
    assert 0 < top["score"] <= 1
    assert len(record["contexts"]) <= BaselineSettings().top_k
    assert 1 <= len(record["citations"]) <= BaselineSettings().answer_chunks
    for n, citation in enumerate(record["citations"], start=1):
        assert citation["n"] == n and f"[{n}]" in record["answer"]
        assert citation["speaker"] is None and citation["source"] == SOURCE
        assert TEXT[citation["start_char"] : citation["end_char"]] == citation["quote"]
    # The records' ranking is the LangChain retriever's own.
    docs = baseline.retriever.invoke(question)
    assert [d.page_content for d in docs] == [c["text"] for c in record["contexts"]]
    assert set(record["timings_ms"]) == {"retrieve", "generate", "total"}


def test_records_have_the_shape_of_the_assistants_answers(
    baseline: LangChainBaseline, assistant: Assistant
) -> None:
    ours = assistant.ask("When was the Japanese AI bill sent to the Diet?").to_dict(id="q")
    theirs = baseline.ask("Where is green tea grown?", id="q")
    assert set(theirs) == set(ours)
    assert set(theirs["citations"][0]) == set(ours["citations"][0])
    assert set(theirs["contexts"][0]) == set(ours["contexts"][0])
    question = {
        "id": "q",
        "question": "Where is green tea grown?",
        "answerable": True,
        "speakers": [],
        "evidence": ["terraced hills near Shizuoka"],
        "facts": [["shizuoka"]],
    }
    scores = summarise([(question, theirs)], lambda _: TEXT)
    assert scores["hit@1"] == 1.0 and scores["fact_coverage"] == 1.0
    assert scores["speaker_attribution"] == 1.0  # document-level gold: speaker null is right
    assert scores["citation_grounding"] == 1.0
