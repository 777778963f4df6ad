"""Question in, cited answer out, over the real model and a real FAISS index of the corpus."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from retrieval import REFUSAL, Assistant, TranscriptRetriever
from tests.support.seed import QUESTIONS_FILE
from webinar_rag.core import Answer, normalise

pytestmark = pytest.mark.slow

QUESTIONS: list[dict[str, Any]] = [
    json.loads(line)
    for line in QUESTIONS_FILE.read_text(encoding="utf-8").splitlines()
    if line.strip()
]
BILL = "What does Japan's AI bill enforce?"


def check_citations(assistant: Assistant, answer: Answer) -> None:
    """Every quote is verbatim at its offsets and inside a turn of the speaker it names."""
    chunks = {c.id: c for c in assistant.store.chunks}
    if answer.refused:
        assert answer.citations == ()
        assert answer.text == REFUSAL
        return
    assert answer.citations, "an answer that is not a refusal must cite something"
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for c in answer.citations:
        assert f"[{c.n}]" in answer.text
        assert c.quote
        assert assistant.source_text(c.source)[c.start_char : c.end_char] == c.quote
        turns = assistant.store.sources[c.source].turns
        owners = [
            t for t in turns if any(s <= c.start_char and c.end_char <= e for s, e in t.paragraphs)
        ]
        assert len(owners) == 1, f"quote {c.quote!r} is not inside one turn's paragraph"
        assert owners[0].speaker == c.speaker
        assert owners[0].affiliation == c.affiliation
        chunk = chunks[c.chunk_id]
        assert chunk.source == c.source
        assert chunk.speaker == c.speaker
        assert chunk.start_char <= c.start_char and c.end_char <= chunk.end_char


def test_bill_question_is_answered_from_tsuda(assistant: Assistant) -> None:
    answer = assistant.ask(BILL)
    assert not answer.refused
    check_citations(assistant, answer)
    assert answer.citations[0].speaker == "Makiko Tsuda"
    assert answer.citations[0].affiliation == (
        "Director Secretariat of Science, Technology and Innovation Policy, Cabinet Office"
    )


@pytest.mark.xfail(
    strict=True,
    reason="known limit of the offline extractive answerer: the sentence with 'does not include "
    "regulations or penalties' scores 0.60 against 0.84 for 'does not carry strong enforcement "
    "powers' (default MiniLM+e5 embedder; MiniLM alone: 0.43 vs 0.75), so it quotes the latter "
    "and the one after it; the LLM path is meant to close this",
)
def test_bill_question_quotes_no_regulations_or_penalties(assistant: Assistant) -> None:
    answer = assistant.ask(BILL)
    assert not answer.refused
    assert any(
        c.speaker == "Makiko Tsuda" and "does not include regulations or penalties" in c.quote
        for c in answer.citations
    ), [c.quote for c in answer.citations]


def test_off_topic_question_is_refused(assistant: Assistant) -> None:
    answer = assistant.ask("What is the best recipe for chocolate cake?")
    assert answer.refused
    assert answer.citations == ()
    assert answer.text == REFUSAL


@pytest.mark.parametrize("question", QUESTIONS, ids=[q["id"] for q in QUESTIONS])
def test_every_citation_is_verbatim_and_attributed(
    assistant: Assistant, question: dict[str, Any]
) -> None:
    answer = assistant.ask(question["question"])
    check_citations(assistant, answer)
    assert set(answer.timings_ms) == {"retrieve", "generate", "total"}
    for hit in answer.contexts:
        text = assistant.source_text(hit.chunk.source)
        assert hit.chunk.text == normalise(text[hit.chunk.start_char : hit.chunk.end_char])


def test_named_speaker_question_cites_only_that_speaker(assistant: Assistant) -> None:
    answer = assistant.ask("What did Ichikawa say about Canada?")
    assert not answer.refused
    check_citations(assistant, answer)
    assert {c.speaker for c in answer.citations} == {"Tagui Ichikawa"}
    assert any("Canada" in c.quote for c in answer.citations)


def test_speaker_filter_keeps_contexts_and_citations_to_that_speaker(
    assistant: Assistant,
) -> None:
    answer = assistant.ask("What is the purpose of the bill?", speaker="Tsuda")
    assert answer.contexts
    assert {h.chunk.speaker for h in answer.contexts} == {"Makiko Tsuda"}
    assert {c.speaker for c in answer.citations} <= {"Makiko Tsuda"}


def test_document_filter_quotes_the_document_not_a_speaker(assistant: Assistant) -> None:
    answer = assistant.ask("Who co-funded this report?", speaker="document")
    assert answer.contexts
    assert {h.chunk.speaker for h in answer.contexts} == {None}
    check_citations(assistant, answer)
    assert {c.speaker for c in answer.citations} <= {None}


@pytest.mark.parametrize(
    ("question", "speaker", "k"),
    [
        ("What is the purpose of the bill?", None, None),
        ("How should the EU and Japan cooperate on AI?", None, 3),
        ("What is the purpose of the bill?", "Tsuda", 4),
    ],
)
def test_langchain_retriever_matches_answer_contexts(
    assistant: Assistant, question: str, speaker: str | None, k: int | None
) -> None:
    retriever = TranscriptRetriever(assistant=assistant, k=k, speaker=speaker)
    assert isinstance(retriever, BaseRetriever)
    documents = retriever.invoke(question)
    answer = assistant.ask(question, speaker=speaker, k=k)
    assert documents
    assert all(isinstance(d, Document) for d in documents)
    assert [d.metadata["chunk_id"] for d in documents] == [h.chunk.id for h in answer.contexts]
    if k is not None:
        assert len(documents) == k
    for document, hit in zip(documents, answer.contexts, strict=True):
        meta = document.metadata
        assert {"chunk_id", "speaker", "start_char", "end_char"} <= set(meta)
        assert meta["speaker"] == hit.chunk.speaker
        assert (meta["start_char"], meta["end_char"]) == (hit.chunk.start_char, hit.chunk.end_char)
        assert document.page_content == hit.chunk.text
