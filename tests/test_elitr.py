"""The ELITR-Bench evaluation: its scores on hand-made answer records, its reading of the zip,
and the whole command on two tiny meetings zipped here in ELITR-Bench's layout."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from eval.elitr.benchmark import main
from eval.elitr.data import Question, extract_transcripts, load_questions
from eval.elitr.scoring import aggregate, content_words, met, people, recall, score, who_outcome
from eval.metrics import Record
from tests.support.seed import ROOT
from tests.support.transcript_files import DATA
from webinar_rag.models import Embedder

ELITR_DEV = DATA / "elitr-bench" / "elitr-bench-dev.zip"


def question(answer: str, type: str = "who", meeting: str = "m1", number: str = "1") -> Question:
    return Question(meeting, number, type, "B", "Who did it?", answer)


def record(
    text: str = "",
    speakers: tuple[str | None, ...] = (),
    refused: bool = False,
    contexts: tuple[str, ...] = (),
    ms: float = 10.0,
) -> Record:
    return {
        "answer": text,
        "refused": refused,
        "citations": [{"n": n, "speaker": s} for n, s in enumerate(speakers, start=1)],
        "contexts": [{"text": c} for c in contexts],
        "timings_ms": {"total": ms},
    }


# --- scores ---------------------------------------------------------------------------------


def test_content_words_read_placeholders_and_drop_stopwords_punctuation_and_markers() -> None:
    assert content_words("[PERSON3] and [PERSON5] agreed on the GPU budget, didn't they? [1]") == {
        "person3",
        "person5",
        "agreed",
        "gpu",
        "budget",
    }
    assert content_words("It was in [ORGANIZATION1]'s office (2 days).") == {
        "organization1",
        "office",
        "2",
        "days",
    }


def test_recall_is_the_share_of_reference_words_found() -> None:
    assert recall("[PERSON3] booked the GPU cluster.", "PERSON3: I booked it [1]") == pytest.approx(
        2 / 4
    )
    assert recall("[PERSON3]", "person3 did") == 1.0
    assert recall("It was them.", "anything") is None  # no content word to find
    assert people("[PERSON3] and [PERSON12], with [ORGANIZATION2]") == {"PERSON3", "PERSON12"}


def test_who_attribution_reads_the_first_citation() -> None:
    q = question("[PERSON2] and [PERSON4].")
    assert who_outcome(q, record("x", ("PERSON4", "PERSON1"))) == "attributed"
    assert who_outcome(q, record("x", ("PERSON1", "PERSON4"))) == "another speaker"
    assert who_outcome(q, record("x", (None,))) == "document-level citation"
    assert who_outcome(q, record("x")) == "no citation"
    assert who_outcome(q, record("refusal", refused=True)) == "refused"
    # The person named as responsible counts, even when the one quoted assigned the task.
    assigned = record("x", ("PERSON1",)) | {
        "responsible": [{"person": "PERSON2", "assigned_by": "PERSON1", "citation": 1}]
    }
    assert who_outcome(q, assigned) == "responsible"
    wrong = assigned | {"responsible": [{"person": "PERSON3", "assigned_by": None, "citation": 1}]}
    assert who_outcome(q, wrong) == "another speaker"
    assert who_outcome(question("[ORGANIZATION1]."), record("x", ("PERSON2",))) is None
    assert who_outcome(question("[PERSON2]", type="what"), record("x", ("PERSON2",))) is None


def test_a_refusal_scores_zero_but_its_contexts_still_count() -> None:
    q = question("[PERSON2] booked the cluster.")
    refused = score(q, record("I cannot answer.", refused=True, contexts=("PERSON2 booked",)))
    assert refused.refused and refused.answer_recall == 0.0 and refused.shown_recall == 0.0
    assert refused.context_recall == pytest.approx(2 / 3)
    quoted = score(q, record("I booked the cluster [1]", ("PERSON2",), contexts=("cluster",)))
    assert quoted.answer_recall == pytest.approx(2 / 3)  # the quote's text says "I"
    assert quoted.shown_recall == 1.0  # its citation shows the speaker's name
    assert quoted.who == "attributed" and not quoted.refused


def test_aggregates_false_refusal_attribution_recall_and_latency() -> None:
    rows = [
        score(question("[PERSON1]"), record("PERSON1 [1]", ("PERSON1",), ms=10)),
        score(question("[PERSON1]"), record("no", refused=True, ms=30)),
        score(question("[ORGANIZATION1]"), record("organization1", ("PERSON1",), ms=20)),
        score(question("Two GPUs.", type="howmany"), record("two gpus [1]", ("PERSON2",), ms=40)),
    ]
    out = aggregate(rows)
    assert out["questions"] == 4
    assert out["false_refusal"] == 0.25
    assert out["who_questions"] == 2  # the one naming no person is left out
    assert out["who_attribution"] == 0.5
    assert out["answer_recall"] == pytest.approx((1 + 0 + 1 + 1) / 4)
    assert out["p50_ms"] == 25.0
    assert met("false_refusal", 0.10) and not met("false_refusal", 0.11)
    assert met("who_attribution", 0.5) and not met("answer_recall", 0.349)
    assert not met("answer_recall", float("nan"))


# --- the data -------------------------------------------------------------------------------

LOG = "(PERSON1) Hello, shall we start?\n(PERSON2) Yes. I booked the GPU cluster for Friday.\n"
LOG += "(PERSON1) Great. How many GPUs?\n(PERSON2) We have eight GPUs now.\n"
NOTES = "We met about the demo.\nThe demo runs on Monday in the big hall.\nThat was all.\n"
QA: dict[str, Any] = {
    "split": "dev",
    "meetings": [
        {
            "id": "meeting_en_dev_901",
            "questions": [
                {
                    "id": "1",
                    "question-type": "who",
                    "answer-position": "B",
                    "question": "Who booked the GPU cluster?",
                    "groundtruth-answer": "[PERSON2] booked it.",
                },
                {
                    "id": "2",
                    "question-type": "howmany",
                    "answer-position": "E",
                    "question": "How many GPUs do they have?",
                    "groundtruth-answer": "Eight GPUs. ",
                },
            ],
        },
        {
            "id": "meeting_en_dev_902",
            "questions": [
                {
                    "id": "1",
                    "question-type": "when",
                    "answer-position": "M",
                    "question": "When does the demo run?",
                    "groundtruth-answer": "On Monday.",
                }
            ],
        },
    ],
}


def make_zip(path: Path) -> Path:
    """ELITR-Bench's layout, unencrypted (`zipfile` cannot encrypt; reading ignores the pwd)."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("dev/questions/elitr-bench-qa_dev.json", json.dumps(QA))
        z.writestr("dev/transcripts/meeting_en_dev_901.txt", LOG)
        z.writestr("dev/transcripts/meeting_en_dev_902.txt", NOTES)
        z.writestr("dev/LICENSE-DATA.txt", "CC BY 4.0")
    return path


def test_questions_and_transcripts_come_out_of_the_zip(tmp_path: Path) -> None:
    data = make_zip(tmp_path / "dev.zip")
    questions = load_questions(data)
    assert [q.id for q in questions] == [
        "meeting_en_dev_901#1",
        "meeting_en_dev_901#2",
        "meeting_en_dev_902#1",
    ]
    assert questions[1].answer == "Eight GPUs." and questions[1].file == "meeting_en_dev_901.txt"
    files = extract_transcripts(data, tmp_path / "out")
    assert [f.name for f in files] == ["meeting_en_dev_901.txt", "meeting_en_dev_902.txt"]
    assert files[0].read_text("utf-8") == LOG


def test_a_missing_zip_is_one_line_and_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "elitr-bench-dev.zip"
    done = subprocess.run(
        [sys.executable, "-m", "eval.elitr", "--data", str(missing)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"eval.elitr: error: No ELITR-Bench dev data at {missing}. Pass the zip "
        "(elitr-bench-dev.zip) with --data."
    ]


@pytest.mark.slow
def test_the_command_on_two_tiny_meetings(tmp_path: Path, embedder: Embedder) -> None:
    out = tmp_path / "results"
    assert main(["--data", str(make_zip(tmp_path / "dev.zip")), "--out", str(out)]) == 0
    summary = json.loads((out / "elitr.json").read_text("utf-8"))
    assert summary["questions"] == 3 and summary["meetings"] == 2
    formats = {f["name"]: (f["format"], f["speakers"]) for f in summary["index"]["files"]}
    assert formats == {
        "meeting_en_dev_901.txt": ("log", 2),
        "meeting_en_dev_902.txt": ("report", 0),
    }
    configs = summary["configurations"]
    assert set(configs) == {
        "product (extractive)",
        "product (extractive, dense only)",
        "product (extractive, learned judge)",  # the other judge, beside the weighted default
        "langchain baseline",
    }
    product, baseline = configs["product (extractive)"], configs["langchain baseline"]
    assert set(product["targets"]) == {"false_refusal", "who_attribution", "answer_recall"}
    assert (
        "targets" not in baseline and "targets" not in configs["product (extractive, dense only)"]
    )
    # the fusion choice's evidence: default minus dense only, paired over the same questions
    fusion = summary["fusion"]["context_recall"]
    assert fusion["questions"] == 3 and fusion["low"] <= fusion["mean"] <= fusion["high"]
    assert "## Retrieval: the default fusion against dense only" in (out / "elitr.md").read_text()
    assert baseline["all"]["false_refusal"] == 0.0  # it never refuses
    assert baseline["who_outcomes"] == {"document-level citation": 1}  # it knows no speakers
    assert set(product["by_type"]) == {"who", "howmany", "when"}
    assert set(product["by_meeting"]) == {"meeting_en_dev_901", "meeting_en_dev_902"}
    assert 0.0 <= baseline["all"]["context_recall"] <= 1.0
    # The data set's text stays out of the results: numbers and ids only.
    report = (out / "elitr.md").read_text("utf-8")
    written = report + (out / "elitr.json").read_text("utf-8")
    for m in QA["meetings"]:
        for q in m["questions"]:
            assert q["question"] not in written
            assert q["groundtruth-answer"].strip() not in written
    assert "booked" not in written and "Monday" not in written
    assert "## Targets (dev)" in report and "meeting_en_dev_901#" in report


# --- the real dev split ---------------------------------------------------------------------


@pytest.mark.skipif(not ELITR_DEV.exists(), reason=f"ELITR-Bench not at {ELITR_DEV}")
def test_the_real_dev_questions_are_read_in_memory() -> None:
    questions = load_questions(ELITR_DEV)
    assert len(questions) == 141 and len({q.id for q in questions}) == 141
    assert Counter(q.type for q in questions) == {"what": 59, "who": 51, "when": 21, "howmany": 10}
    assert Counter(q.position for q in questions) == {"B": 45, "M": 29, "E": 32, "S": 35}
    assert len({q.file for q in questions}) == 10
