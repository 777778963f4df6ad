"""Whole-meeting questions: summary, speakers, decisions, action items and topics, every line
a verbatim cited quote; routed from `ask`, kept beside the index, rebuilt when a document
changes; nothing invented for a meeting without decisions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from ingest import ingest
from retrieval import Assistant
from retrieval.overview import NO_ACTIONS, NO_DECISIONS, Overview, compared, route
from retrieval.overview.actions import due_of, task_of
from retrieval.overview.summary import mmr
from retrieval.overview.topics import boundaries
from tests.support.seed import assistant_over
from webinar_rag import cli
from webinar_rag.core import QuestionError
from webinar_rag.models import Embedder

slow = pytest.mark.slow

PLANNING = (
    "Ben Lund: Welcome everyone, today we plan the spring workshop for the city council.\n"
    "Ana Ruiz: The venue on Harbour Street is available in the second week of April.\n"
    "Ben Lund: Good. We agreed that the workshop will be held at the Harbour Street venue.\n"
    "Ana Ruiz: The catering quote came in at four thousand euros, which is over our budget.\n"
    "Ben Lund: Ana, please send the revised budget to the council by Friday.\n"
    "Ana Ruiz: Sure. I'll also book the rooms for the breakout sessions next week.\n"
    "Carl Mets: The council asked for a report on accessibility of the venue.\n"
    "Carl Mets: I will write the accessibility report before the end of the month.\n"
    "Ben Lund: Thanks all, that is everything for today.\n"
)
MONOLOGUE = (
    "Mia Chen: Today I want to explain how our solar panels are recycled at the end of life.\n"
    "Mia Chen: First the aluminium frame and the junction box are removed by hand.\n"
    "Mia Chen: Then the glass is separated from the cells with a heated blade.\n"
    "Mia Chen: The silicon is recovered by chemical etching and sold to foundries.\n"
    "Mia Chen: About ninety percent of a panel's weight can be recovered this way.\n"
)


@pytest.mark.parametrize(
    ("question", "part", "focus"),
    [
        ("Summarize the webinar.", "summary", None),
        ("What was the meeting about?", "summary", None),
        ("Give me a recap of the call", "summary", None),
        ("What were the main points?", "summary", None),
        ("Summarize the discussion about the remote control.", "summary", "the remote control"),
        ("What did each speaker say?", "speakers", None),
        ("Who said what?", "speakers", None),
        ("What were the action items?", "actions", None),
        ("What are the next steps?", "actions", None),
        ("What was decided?", "decisions", None),
        ("What decisions were made?", "decisions", None),
        ("ウェビナーを要約してください", "summary", None),
    ],
)
def test_whole_meeting_questions_are_routed(question: str, part: str, focus: str | None) -> None:
    found = route(question)
    assert found is not None and (found.part, found.focus) == (part, focus)


@pytest.mark.parametrize(
    "question",
    [
        "Who will send the revised budget?",  # the answer path names the person responsible
        "What does Japan's AI bill enforce?",
        "What was the decision on the budget?",
        "How much did revenue grow?",
        "Who spoke about the sandbox?",
    ],
)
def test_other_questions_are_not(question: str) -> None:
    assert route(question) is None


def test_compared_gives_one_overview_per_document_in_order_and_needs_two() -> None:
    asked: list[tuple[tuple[str, ...], str | None, int | None]] = []

    def overview(documents: Sequence[str], speaker: str | None, words: int | None) -> Overview:
        names = tuple(documents)
        asked.append((names, speaker, words))
        return Overview(names, speaker, None, words or 150, (), (), (), (), (), ())

    shown = compared(overview, ["b.txt", "a.txt", "b.txt"], "Ana", 80)
    assert [o.documents for o in shown] == [("b.txt",), ("a.txt",)]
    assert asked == [(("b.txt",), "Ana", 80), (("a.txt",), "Ana", 80)]
    with pytest.raises(QuestionError, match="two or more documents"):
        compared(overview, ["a.txt", "a.txt"])


def test_task_and_due_date_are_read_from_the_sentence() -> None:
    assert task_of("Ana, please send the revised budget by Friday.") == (
        "send the revised budget by Friday"
    )
    assert task_of("I'll also book the rooms next week.") == "book the rooms next week"
    assert due_of("Ana, please send the revised budget by Friday.") == "by Friday"
    assert due_of("I will write it before the end of the month.") == "before the end of the month"
    assert due_of("We talked about Friday's weather.") is None


def test_mmr_takes_the_central_point_then_a_new_one_within_the_budget() -> None:
    a, b = np.eye(3)[0], np.eye(3)[1]
    near_a = (a + 0.05 * b) / np.linalg.norm(a + 0.05 * b)
    vectors = np.vstack([a, near_a, b])
    relevance = np.array([0.9, 0.89, 0.6])
    # The near copy of the first is more central than b, but says the same again.
    assert mmr(vectors, relevance, [10, 10, 10], budget=20) == [0, 2]
    assert mmr(vectors, relevance, [10, 10, 10], budget=5) == [0]


def test_topic_boundaries_fall_where_the_talk_turns() -> None:
    rng = np.random.default_rng(0)
    one, two = rng.normal(size=16), rng.normal(size=16)
    rows = [one + 0.3 * rng.normal(size=16) for _ in range(20)]
    rows += [two + 0.3 * rng.normal(size=16) for _ in range(20)]
    vectors = np.vstack([r / np.linalg.norm(r) for r in rows])
    cuts = boundaries(vectors)
    assert len(cuts) == 1 and abs(cuts[0] - 20) <= 2
    assert boundaries(vectors[:20]) == []  # too short to cut


def _verbatim(assistant: Assistant, overview: Overview) -> None:
    for c in overview.citations:
        assert assistant.source_text(c.source)[c.start_char : c.end_char] == c.quote


@slow
def test_the_seed_summary_cites_several_speakers_in_the_order_they_spoke(
    assistant: Assistant,
) -> None:
    answer = assistant.ask("Summarize the webinar.")
    assert not answer.refused and answer.citations
    for c in answer.citations:
        assert assistant.source_text(c.source)[c.start_char : c.end_char] == c.quote
        assert f"[{c.n}]" in answer.text
    assert len({c.speaker for c in answer.citations}) >= 3
    starts = [c.start_char for c in answer.citations]
    assert starts == sorted(starts)
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    # The report has no decisions and no tasks: none are invented.
    assert assistant.ask("What were the action items?").text == NO_ACTIONS
    assert assistant.ask("What was decided?").text == NO_DECISIONS


@slow
def test_each_speaker_of_the_seed_gets_their_own_quotes(assistant: Assistant) -> None:
    overview = assistant.overview()
    speakers = {t.speaker for s in assistant.store.sources.values() for t in s.turns} - {None}
    assert {v.speaker for v in overview.speakers} == speakers
    for v in overview.speakers:
        assert 1 <= len(v.citations) <= 3
        assert all(overview.cited(n).speaker == v.speaker for n in v.citations)
    _verbatim(assistant, overview)
    words = sum(len(overview.cited(n).quote.split()) for n in overview.summary)
    assert words <= 150 + max(len(c.quote.split()) for c in overview.citations)


@slow
def test_a_planning_meeting_gives_owners_tasks_and_due_dates(
    tmp_path: Path, embedder: Embedder
) -> None:
    assistant = assistant_over(tmp_path, embedder, {"planning.txt": PLANNING})
    overview = assistant.overview()
    _verbatim(assistant, overview)
    actions = {(a.owner, a.assigned_by, a.due) for a in overview.actions}
    assert ("Ana", "Ben Lund", "by Friday") in actions
    assert ("Ana Ruiz", None, "next week") in actions
    assert ("Carl Mets", None, "before the end of the month") in actions
    assert len(overview.actions) == 3
    assert [overview.cited(d.citation).quote for d in overview.decisions] == [
        "We agreed that the workshop will be held at the Harbour Street venue."
    ]
    answer = assistant.ask("What are the action items?")
    assert "Ana (asked by Ben Lund): send the revised budget" in answer.text
    assert len(answer.citations) == 3


@slow
def test_a_one_speaker_recording_has_one_voice(tmp_path: Path, embedder: Embedder) -> None:
    assistant = assistant_over(tmp_path, embedder, {"talk.txt": MONOLOGUE})
    overview = assistant.overview(words=30)
    assert [v.speaker for v in overview.speakers] == ["Mia Chen"]
    assert overview.summary and overview.actions == () and overview.decisions == ()
    assert len(overview.topics) == 1


@slow
def test_overviews_are_kept_beside_the_index_and_rebuilt_when_a_document_changes(
    tmp_path: Path, embedder: Embedder
) -> None:
    assistant = assistant_over(tmp_path, embedder, {"planning.txt": PLANNING})
    first = assistant.overview()
    kept = sorted((tmp_path / "index" / "overviews").glob("*.json"))
    assert len(kept) == 1
    # A new process reads the kept file instead of building it again: edited, it shows.
    record = json.loads(kept[0].read_text(encoding="utf-8"))
    kept[0].write_text(json.dumps({**record, "summary": record["summary"][:1]}), "utf-8")
    again = Assistant.load(assistant.settings).overview()
    assert again.summary == first.summary[:1] and again.actions == first.actions
    # A kept file that cannot be read is built again.
    kept[0].write_text("{not json", encoding="utf-8")
    assert Assistant.load(assistant.settings).overview() == first
    (tmp_path / "corpus" / "planning.txt").write_text(PLANNING + MONOLOGUE, encoding="utf-8")
    ingest(None, assistant.settings, embedder=embedder)
    changed = Assistant.load(assistant.settings).overview()
    assert changed != first and "Mia Chen" in {v.speaker for v in changed.speakers}


@slow
def test_summary_command_json_markdown_and_errors(
    tmp_path: Path, embedder: Embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    assistant = assistant_over(
        tmp_path, embedder, {"planning.txt": PLANNING, "talk.txt": MONOLOGUE}
    )
    index = str(assistant.settings.index.index_dir)
    assert cli.main(["summary", "--index", index, "--document", "planning.txt", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"summary", "speakers", "actions", "decisions", "topics", "citations"}
    assert Overview.from_dict(data).documents == ("planning.txt",)
    argv = ["summary", "--index", index, "--document", "planning.txt", "--document", "talk.txt"]
    assert cli.main([*argv, "--compare", "--markdown"]) == 0
    out = capsys.readouterr().out
    assert out.count("# Overview:") == 2 and "## Action items" in out
    assert cli.main(["summary", "--index", index, "--words", "3"]) == 2
    assert cli.main(["summary", "--index", index, "--document", "missing.vtt"]) == 2
    err = capsys.readouterr().err
    assert err.count("webinar-rag: error:") == 2 and "Traceback" not in err
