"""The QMSum benchmark on tiny meetings written here in QMSum's format (no ../shared needed),
ingested by the product; and, where ../shared/data is present, the turn map on the real val."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from eval.qmsum.benchmark import main
from eval.qmsum.data import Query, has_words, load_dataset, load_meeting
from eval.qmsum.metrics import (
    QueryResult,
    Retrieved,
    aggregate,
    compare,
    first_relevant_rank,
    paired_difference,
    score_query,
    turn_recall,
)
from eval.qmsum.runner import RERANK_ENV, Benchmark, mode_assistants
from eval.qmsum.turnmap import TurnMap, cue_spans
from ingest import ingest, read_document
from ingest.readers.segments import clean_qmsum, qmsum_marks
from retrieval import Assistant
from tests.support.seed import ROOT, settings_at
from tests.support.transcript_files import DATA
from webinar_rag.core import Source
from webinar_rag.models import Embedder
from webinar_rag.store import load_index

QMSUM_VAL = DATA / "qmsum" / "val"

PRODUCT: dict[str, Any] = {
    "topic_list": [],
    "general_query_list": [{"query": "Summarize the whole meeting.", "answer": "..."}],
    "specific_query_list": [
        {
            "query": "What did market research show about remotes?",
            "answer": "People want a trendy remote.",
            "relevant_text_span": [["1", "1"]],
        },
        {
            "query": "What was decided about battery power and budget?",
            "answer": "Solar battery, twelve euros fifty.",
            "relevant_text_span": [["2", "3"], ["6", "6"]],
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
        {"speaker": "Project Manager", "content": "Okay . Good ."},
        {"speaker": "Project Manager", "content": "The budget is twelve euros fifty per unit ."},
    ],
}

COMMITTEE: dict[str, Any] = {
    "topic_list": [],
    "general_query_list": [],
    "specific_query_list": [
        {
            "query": "What was said about life jackets on small boats?",
            "answer": "They should be mandatory.",
            "relevant_text_span": [["2", "3"]],
        },
        {
            "query": "How did committee members discuss school funding for teachers?",
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


# No query says "the": the product reads it as naming "The Chair" (a name's every word of three
# letters or more is a cue), and would search only the Chair's words.


def query(gold: set[int], meeting: str = "M") -> Query:
    spans = tuple((t, t) for t in sorted(gold))
    return Query("M#0", meeting, "Product", "q", spans, frozenset(gold))


def item(meeting: str, *turns: int) -> Retrieved:
    return Retrieved(meeting, frozenset(turns))


# --- the annotations ------------------------------------------------------------------------


def test_loader_reads_inclusive_string_spans_and_counts_skipped(tmp_path: Path) -> None:
    meeting, skipped = load_meeting(write(tmp_path, {"ES9999a": PRODUCT}) / "ES9999a.json")
    assert meeting.name == "ES9999a.json" and meeting.domain == "Product"
    assert meeting.spoken == (0, 1, 3, 5, 6)  # turn 2 is empty, turn 4 only noise
    assert [q.id for q in meeting.queries] == ["ES9999a#0", "ES9999a#1"]
    battery = meeting.queries[1]
    assert battery.meeting == "ES9999a.json"
    assert battery.spans == ((2, 3), (6, 6))
    assert battery.gold == {3, 6}  # turn 2 is in the span but has no words
    assert [s.reason for s in skipped] == [
        "no evidence spans",
        "evidence turns hold no words",
        "span outside the transcript",
    ]


def test_has_words_agrees_with_the_json_reader() -> None:
    for turn in PRODUCT["meeting_transcripts"] + COMMITTEE["meeting_transcripts"]:
        content = str(turn["content"])
        assert has_words(content) == bool(clean_qmsum(content))


def test_a_missing_folder_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="No QMSum meeting files"):
        load_dataset(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "eval.qmsum", "--data", str(tmp_path / "nowhere")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"eval.qmsum: error: No QMSum data at {tmp_path / 'nowhere'}. Pass the val folder "
        "(35 meeting JSON files) with --data."
    ]


# --- metrics --------------------------------------------------------------------------------


def test_hit_mrr_and_turn_recall_by_hand() -> None:
    q = query({3, 5})
    ranked = [item("X", 3), item("M", 0, 1), item("M", 3), item("M", 4, 5, 6)]
    assert first_relevant_rank(ranked, q) == 3  # another meeting's turn 3 does not count
    scores = score_query(ranked, q)
    assert scores["hit@1"] == 0.0 and scores["hit@3"] == 1.0 and scores["hit@10"] == 1.0
    assert scores["mrr@10"] == pytest.approx(1 / 3)
    assert turn_recall(ranked, q, 3) == 0.5  # turn 3 of {3, 5}
    assert scores["recall@5"] == 1.0  # the chunk over 4-6 adds turn 5
    missed = score_query([item("M", 0, 1, 2), item("X", 5)], q)
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
    ranked = [item("M", i) for i in range(10)] + [item("M", 20)]
    assert first_relevant_rank(ranked, q) is None
    assert score_query(ranked, q)["mrr@10"] == 0.0
    first = score_query([item("M", 20)], q)
    summary = aggregate([first, score_query(ranked, q)])
    assert summary["queries"] == 2 and summary["hit@1"] == 0.5 and summary["mrr@10"] == 0.5


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
    assert set(out) == {"hybrid vs bm25", "dense vs bm25", "hybrid vs dense"}  # no nocues row
    assert out["hybrid vs bm25"]["queries_better"] == 1
    assert out["hybrid vs bm25"]["queries_same"] == 1
    assert out["hybrid vs bm25"]["queries_worse"] == 1
    assert out["hybrid vs bm25"]["mrr@10"]["mean"] == pytest.approx((0.5 + 0 - 1 / 3) / 3)


# --- QMSum turns -> character spans of the indexed text -------------------------------------


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> tuple[Path, Path]:
    """The two tiny meetings (their folder) through the product's ingest (its index folder),
    with the real embedder."""
    meetings = {"ES9999a": PRODUCT, "covid_99": COMMITTEE}
    folder = write(tmp_path_factory.mktemp("qmsum") / "val", meetings)
    index_dir = folder.parent / "index"
    ingest(sorted(folder.glob("*.json")), settings_at(index_dir, folder), embedder=embedder)
    return folder, index_dir


@pytest.mark.slow
def test_each_qmsum_turn_maps_to_its_words_in_the_indexed_text(tiny: tuple[Path, Path]) -> None:
    folder, index_dir = tiny
    index = load_index(index_dir)
    path = folder / "ES9999a.json"
    meeting, _ = load_meeting(path)
    source = index.sources["ES9999a.json"]
    turns = TurnMap.of(source, meeting.spoken)
    for n, start, end in zip(turns.turns, turns.starts, turns.ends, strict=True):
        content = str(PRODUCT["meeting_transcripts"][n]["content"])
        assert source.text[start:end] == clean_qmsum(content)
    # The reader's own account of where each QMSum turn begins.
    assert list(turns.starts) == [m[0] for m in qmsum_marks(read_document(path))]
    # Turns 5 and 6 (one speaker) are one Turn of the index, with a mark each.
    assert len(source.turns) == 4 and len(cue_spans(source)) == 5
    # A span touches the turns it overlaps, and no turn it only borders.
    assert turns.touched(turns.starts[1], turns.ends[1]) == {1}
    assert turns.touched(turns.starts[3], turns.ends[4]) == {5, 6}
    assert turns.touched(turns.ends[3], turns.starts[4]) == set()  # the joining space
    assert turns.touched(0, len(source.text)) == set(meeting.spoken)


@pytest.mark.slow
def test_hits_are_relevant_when_their_span_overlaps_a_gold_turn(tiny: tuple[Path, Path]) -> None:
    folder, index_dir = tiny
    assistant = Assistant.load(settings_at(index_dir, folder))
    meetings, _ = load_dataset(folder)
    bench = Benchmark(assistant, meetings, None)
    market = next(q for m in meetings for q in m.queries if "market research" in q.text)
    assert market.gold == {1}
    for setting in ("pooled", "document"):
        result = bench.score("bm25", market, setting)
        assert result.rank == 1  # its words are in turn 1 alone
        top = bench.ranked("bm25", market, setting)[0]
        assert "market research" in top.text
    # A chunk of another turn of the same meeting is not relevant.
    other = next(
        c for c in assistant.store.chunks if c.source == market.meeting and "battery" in c.text
    )
    span = bench.maps[market.meeting].touched(other.start_char, other.end_char)
    assert span == {3} and not span & market.gold
    # A query naming a speaker searches their words; the diagnostic row searches everyone's.
    jackets = Query(
        "covid_99#9", "covid_99.json", "Committee", "What did Ann Lee say?", (), frozenset({2})
    )
    narrowing = bench.speaker_narrowing([market, jackets])
    assert narrowing["queries"] == 1 and narrowing["own_meeting"] == 1
    assert narrowing["most_named"] == [("Hon. Ann Lee", 1)]
    assert {c.speaker for c in bench.ranked("hybrid", jackets, "document")} == {"Hon. Ann Lee"}
    assert len({c.speaker for c in bench.ranked("hybrid-nocues", jackets, "document")}) > 1


class LongestFirst:
    """A stand-in cross-encoder (no real one installs offline): longer passages score higher."""

    name = "longest-first"

    def score(self, question: str, passages: Sequence[str]) -> np.ndarray:
        return np.asarray([len(p) for p in passages], dtype=np.float32)


@pytest.mark.slow
def test_the_rerank_mode_runs_when_a_cross_encoder_loads(
    assistant: Assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    modes, skipped = mode_assistants(assistant, None)
    assert set(modes) == {"bm25", "dense", "hybrid"}
    assert skipped == f"skipped: no cross-encoder model configured ({RERANK_ENV})"
    modes, skipped = mode_assistants(assistant, str(tmp_path / "no-cross-encoder"))
    assert "hybrid+rerank" not in modes
    assert skipped is not None and skipped.startswith(
        f"skipped: No cross-encoder model folder at {tmp_path / 'no-cross-encoder'}."
    )
    monkeypatch.setattr("retrieval.search.load_reranker", lambda path, threads: LongestFirst())
    modes, skipped = mode_assistants(assistant, "longest-first")
    assert skipped is None and modes["hybrid"].searcher.reranker is None
    hits = modes["hybrid+rerank"].search("What does Japan's AI bill enforce?", k=5)
    lengths = [len(h.chunk.embedding_text(True)) for h in hits]
    assert lengths == sorted(lengths, reverse=True)


@pytest.mark.slow
def test_end_to_end_on_two_tiny_meetings(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(RERANK_ENV, raising=False)
    data = write(tmp_path / "val", {"ES9999a": PRODUCT, "covid_99": COMMITTEE})
    out = tmp_path / "results"
    assert main(["--data", str(data), "--out", str(out), "--index", str(tmp_path / "ix")]) == 0
    summary = json.loads((out / "qmsum.json").read_text("utf-8"))
    assert summary["meetings"] == 2 and summary["queries"] == 4
    assert summary["skipped_queries"] == 3
    assert set(summary["domains"]) == {"Product", "Committee"}
    assert summary["index"]["documents"] == 2 and summary["index"]["model"] == embedder.name
    for setting in ("pooled", "document"):
        per_mode = summary["results"][setting]
        assert per_mode["hybrid+rerank"] == {
            "skipped": f"skipped: no cross-encoder model configured ({RERANK_ENV})"
        }
        for mode in ("bm25", "dense", "hybrid", "hybrid-nocues", "random"):
            row = per_mode[mode]["all"]
            assert row["queries"] == 4
            assert all(0.0 <= row[k] <= 1.0 for k in ("hit@1", "mrr@10", "recall@10"))
    # The words of each query sit in its evidence turns: BM25 finds them first in the meeting.
    assert summary["ranks"]["document"]["bm25"] == [1, 1, 1, 1]
    assert summary["speaker_narrowing"]["queries"] == 0
    report = (out / "qmsum.md").read_text("utf-8")
    assert "## Per document (document filter)" in report and "## Pooled (all meetings)" in report
    assert "| BM25 only (baseline) |" in report and "3 skipped" in report
    # A second run reuses the index; a folder holding other documents is refused.
    assert (
        main(["--data", str(data), "--index", str(tmp_path / "ix"), "--limit-meetings", "1"]) == 2
    )


# --- the real val split ---------------------------------------------------------------------


@pytest.mark.skipif(not QMSUM_VAL.exists(), reason=f"QMSum val not at {QMSUM_VAL}")
def test_the_turn_map_covers_every_real_val_meeting() -> None:
    """Read (no embedding): each QMSum turn with words maps to its cleaned words."""
    meetings, _ = load_dataset(QMSUM_VAL)
    assert len(meetings) == 35 and sum(len(m.queries) for m in meetings) == 237
    for meeting in meetings:
        doc = read_document(meeting.path)
        source = Source(doc.name, "", doc.text, doc.turns)
        turns = TurnMap.of(source, meeting.spoken)
        contents = json.loads(meeting.path.read_text("utf-8"))["meeting_transcripts"]
        for n, start, end in zip(turns.turns, turns.starts, turns.ends, strict=True):
            assert doc.text[start:end] == clean_qmsum(contents[n]["content"]), (meeting.name, n)
