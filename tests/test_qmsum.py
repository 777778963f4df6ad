"""The QMSum benchmark on tiny meetings written here in QMSum's format (no ../shared needed)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tqdm import tqdm

from eval.qmsum.benchmark import main
from eval.qmsum.data import Query, clean, load_dataset, load_meeting
from eval.qmsum.index import Chunking, build_index, chunk_meeting, embed_unique, meeting_source
from eval.qmsum.metrics import (
    QueryResult,
    aggregate,
    compare,
    first_relevant_rank,
    paired_difference,
    score_query,
    turn_recall,
)
from eval.qmsum.runner import RERANK_ENV, evaluate, make_searcher, ranked_rows, rerank_skipped
from ingest.embedder import Embedder
from retrieval import Settings

PRODUCT = {
    "topic_list": [],
    "general_query_list": [{"query": "Summarize the whole meeting.", "answer": "..."}],
    "specific_query_list": [
        {
            "query": "What did Marketing say about the market research?",
            "answer": "People want a trendy remote.",
            "relevant_text_span": [["1", "1"]],
        },
        {
            "query": "What did they decide about the battery and the budget?",
            "answer": "Solar battery, twelve euros fifty.",
            "relevant_text_span": [["2", "3"], ["5", "5"]],
        },
        {"query": "No evidence here?", "answer": "-", "relevant_text_span": []},
        {"query": "Only noise?", "answer": "-", "relevant_text_span": [["4", "4"]]},
        {"query": "Past the end?", "answer": "-", "relevant_text_span": [["4", "9"]]},
    ],
    "meeting_transcripts": [
        {"speaker": "Project Manager", "content": "Welcome everyone . Let 's start the kick-off ."},
        {
            "speaker": "Marketing",
            "content": "{vocalsound} The market research shows people want a trendy remote .",
        },
        {"speaker": "Industrial Designer", "content": ""},
        {
            "speaker": "Industrial Designer",
            "content": "The battery should be rechargeable with a solar panel .",
        },
        {"speaker": "User Interface", "content": "{disfmarker} {gap} ."},
        {"speaker": "Project Manager", "content": "The budget is twelve euros fifty per unit ."},
    ],
}

COMMITTEE = {
    "topic_list": [],
    "general_query_list": [],
    "specific_query_list": [
        {
            "query": "What did the minister say about life jackets on small boats?",
            "answer": "They should be mandatory.",
            "relevant_text_span": [["2", "3"]],
        },
        {
            "query": "How did the committee discuss school funding for teachers?",
            "answer": "More money for teachers.",
            "relevant_text_span": [["5", "5"]],
        },
    ],
    "meeting_transcripts": [
        {"speaker": "The Chair", "content": "I call this meeting to order ."},
        {"speaker": "Hon. Ann Lee", "content": "Thank you , Chair . Good afternoon ."},
        {
            "speaker": "Hon. Ann Lee",
            "content": "Life jackets must be worn on every small vessel , and boats need them .",
        },
        {"speaker": "The Chair", "content": "So life jackets on small boats become mandatory ?"},
        {"speaker": "Lynne Neagle AM", "content": "Let us move on to the next item ."},
        {
            "speaker": "Lynne Neagle AM",
            "content": "School funding for teachers rises by ten percent next year .",
        },
        {"speaker": "The Chair", "content": "Thank you all . The meeting is adjourned ."},
    ],
}


def write(folder: Path, meetings: dict[str, dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in meetings.items():
        (folder / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
    return folder


def query(gold: set[int], meeting: str = "M") -> Query:
    spans = tuple((t, t) for t in sorted(gold))
    return Query("M#0", meeting, "Product", "q", spans, frozenset(gold))


def test_clean_drops_markers_and_rejoins_punctuation() -> None:
    assert clean("{vocalsound} Um , it 's {disfmarker} fine . We don't") == (
        "Um, it's fine. We don't"
    )
    assert clean("{gap} {vocalsound} {gap} .") == ""


def test_loader_reads_inclusive_string_spans_and_counts_skipped(tmp_path: Path) -> None:
    meeting, skipped = load_meeting(write(tmp_path, {"ES9999a": PRODUCT}) / "ES9999a.json")
    assert meeting.id == "ES9999a" and meeting.domain == "Product"
    assert meeting.contents[0] == "Welcome everyone. Let's start the kick-off."
    assert meeting.contents[2] == meeting.contents[4] == ""
    assert [q.id for q in meeting.queries] == ["ES9999a#0", "ES9999a#1"]
    battery = meeting.queries[1]
    assert battery.spans == ((2, 3), (5, 5))
    assert battery.gold == {3, 5}  # turn 2 is in the span but has no words
    assert [s.reason for s in skipped] == [
        "no evidence spans",
        "evidence turns hold no words",
        "span outside the transcript",
    ]


def test_loader_names_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="No QMSum meeting files"):
        load_dataset(tmp_path)
    assert main(["--data", str(tmp_path / "nowhere")]) == 2


def test_turns_and_windows_map_back_to_the_right_turns(tmp_path: Path) -> None:
    meeting, _ = load_meeting(write(tmp_path, {"ES9999a": PRODUCT}) / "ES9999a.json")
    source = meeting_source(meeting)
    for turn, speaker, content in zip(
        source.turns, meeting.speakers, meeting.contents, strict=True
    ):
        line = source.text[turn.start_char : turn.end_char]
        assert line == (f"{speaker}: {content}" if content else f"{speaker}:")
    chunks, windows = chunk_meeting(source, Chunking("turns"))
    assert [w[1:] for w in windows] == [(0, 0), (1, 1), (3, 3), (5, 5)]
    assert chunks[1].text == "Marketing: The market research shows people want a trendy remote."
    chunks, windows = chunk_meeting(source, Chunking("windows", 3, 2))
    # Spoken turns are 0, 1, 3, 5: windows start at the 1st, then end on the last turn.
    assert [w[1:] for w in windows] == [(0, 3), (1, 5)]
    assert chunks[0].text.startswith("Project Manager: Welcome") and "Marketing:" in chunks[0].text


def test_hit_mrr_and_turn_recall_by_hand() -> None:
    q = query({3, 5})
    ranked = [("X", 3, 3), ("M", 0, 1), ("M", 3, 3), ("M", 4, 6)]
    assert first_relevant_rank(ranked, q) == 3  # another meeting's turn 3 does not count
    scores = score_query(ranked, q)
    assert scores["hit@1"] == 0.0 and scores["hit@3"] == 1.0 and scores["hit@10"] == 1.0
    assert scores["mrr@10"] == pytest.approx(1 / 3)
    assert turn_recall(ranked, q, 3) == 0.5  # turn 3 of {3, 5}
    assert scores["recall@5"] == 1.0  # the window 4-6 adds turn 5
    missed = score_query([("M", 0, 2), ("X", 5, 5)], q)
    assert missed == {
        "hit@1": 0.0,
        "hit@3": 0.0,
        "hit@5": 0.0,
        "hit@10": 0.0,
        "mrr@10": 0.0,
        "recall@5": 0.0,
        "recall@10": 0.0,
    }


def test_rank_beyond_ten_does_not_count_and_averages_are_per_query() -> None:
    q = query({20})
    ranked = [("M", i, i) for i in range(10)] + [("M", 20, 20)]
    assert first_relevant_rank(ranked, q) is None
    assert score_query(ranked, q)["mrr@10"] == 0.0
    first = score_query([("M", 20, 20)], q)
    summary = aggregate([first, score_query(ranked, q)])
    assert summary["queries"] == 2 and summary["hit@1"] == 0.5 and summary["mrr@10"] == 0.5


@pytest.mark.slow
def test_end_to_end_on_two_tiny_meetings(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(RERANK_ENV, raising=False)
    data = write(tmp_path / "val", {"ES9999a": PRODUCT, "covid_99": COMMITTEE})
    out = tmp_path / "results"
    assert main(["--data", str(data), "--out", str(out)]) == 0
    summary = json.loads((out / "qmsum.json").read_text("utf-8"))
    assert summary["meetings"] == 2 and summary["queries"] == 4
    assert summary["skipped_queries"] == 3
    assert set(summary["domains"]) == {"Product", "Committee"}
    for setting in ("within", "pooled"):
        for chunking in ("turns", "windows3s2"):
            per_mode = summary["results"][setting][chunking]
            assert per_mode["hybrid+rerank"] == {
                "skipped": f"skipped: no cross-encoder model configured ({RERANK_ENV})"
            }
            for mode in ("bm25", "dense", "hybrid", "random"):
                row = per_mode[mode]["all"]
                assert row["queries"] == 4
                assert all(0.0 <= row[k] <= 1.0 for k in ("hit@1", "mrr@10", "recall@10"))
    # The words of each query sit in one turn: BM25 finds it first inside its meeting.
    assert summary["results"]["within"]["turns"]["bm25"]["all"]["hit@1"] == 1.0
    assert summary["ranks"]["within"]["turns"]["bm25"] == [1, 1, 1, 1]
    report = (out / "qmsum.md").read_text("utf-8")
    assert "## Within-meeting" in report and "## Pooled (all meetings)" in report
    assert "turns · BM25 only (baseline)" in report and "3 skipped" in report


def test_paired_difference_and_rank_comparison() -> None:
    same = paired_difference([0.5, 1.0, 0.0], [0.5, 1.0, 0.0])
    assert same == {"mean": 0.0, "low": 0.0, "high": 0.0}
    shifted = paired_difference([0.6, 1.0, 0.2], [0.5, 0.9, 0.1])
    assert shifted["mean"] == pytest.approx(0.1) and shifted["low"] == pytest.approx(0.1)

    def rows(ranks: list[int | None]) -> list[QueryResult]:
        return [
            QueryResult("M#0", "Product", r, {"mrr@10": 1 / r if r else 0.0, "recall@10": 0.0})
            for r in ranks
        ]

    out = compare({"hybrid": rows([1, 2, None]), "bm25": rows([2, 2, 3]), "dense": rows([1] * 3)})
    assert out["hybrid-bm25"]["queries_better"] == 1
    assert out["hybrid-bm25"]["queries_same"] == 1
    assert out["hybrid-bm25"]["queries_worse"] == 1
    assert out["hybrid-bm25"]["mrr@10"]["mean"] == pytest.approx((0.5 + 0 - 1 / 3) / 3)


class LongestFirst:
    """A stand-in cross-encoder (no real one installs offline): longer passages score higher."""

    name = "longest-first"

    def score(self, question: str, passages: Sequence[str]) -> np.ndarray:
        return np.asarray([len(p) for p in passages], dtype=np.float32)


@pytest.mark.slow
def test_hybrid_rerank_configuration_runs_through_searcher(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `Searcher.from_settings` loads the reranker that the settings name: here, the stand-in.
    monkeypatch.setattr("retrieval.retriever.load_reranker", lambda path: LongestFirst())
    settings = Settings(rerank_model="longest-first")
    meeting, _ = load_meeting(write(tmp_path, {"covid_99": COMMITTEE}) / "covid_99.json")
    source = meeting_source(meeting)
    chunking = Chunking("turns")
    chunks, windows = chunk_meeting(source, chunking)
    vectors = embed_unique(embedder, [c.text for c in chunks])
    index = build_index(embedder, [source], chunks, windows, vectors, chunking)
    qvecs = {q.id: embedder.embed_query(q.text) for q in meeting.queries}
    searcher = make_searcher(index, embedder, "hybrid+rerank", settings)
    assert isinstance(searcher.reranker, LongestFirst)
    for q in meeting.queries:
        rows = ranked_rows(index, searcher, q, qvecs[q.id])
        lengths = [len(chunks[r].text) for r in rows]
        assert lengths == sorted(lengths, reverse=True)  # all 7 chunks are within the depth
    # Every other mode ranks without it.
    assert make_searcher(index, embedder, "hybrid", settings).reranker is None
    with tqdm(disable=True) as bar:
        out = evaluate(index, embedder, ["hybrid+rerank"], meeting.queries, qvecs, bar, settings)
    assert len(out["hybrid+rerank"]) == len(meeting.queries)
    with pytest.raises(ValueError, match="needs a reranker"):
        make_searcher(index, embedder, "hybrid+rerank", Settings(rerank_model=None))


@pytest.mark.slow
def test_a_reranker_that_does_not_load_skips_its_row(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = Settings(rerank_model=str(tmp_path / "no-cross-encoder"))
    assert rerank_skipped(embedder, missing) == (
        f"skipped: No cross-encoder model folder at {tmp_path / 'no-cross-encoder'}. Point "
        "WEBINAR_RAG_RERANK_MODEL at a sentence-transformers CrossEncoder folder, or unset it "
        "to rank without a reranker."
    )
    assert rerank_skipped(embedder, Settings(rerank_model=None)) == (
        f"skipped: no cross-encoder model configured ({RERANK_ENV})"
    )
    monkeypatch.setattr("retrieval.retriever.load_reranker", lambda path: LongestFirst())
    assert rerank_skipped(embedder, Settings(rerank_model="longest-first")) is None
