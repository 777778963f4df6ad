"""Training cases for the judge, made honestly from QMSum train (never from an evaluation set).

- Meetings: a fixed, spread-out choice per domain (every k-th file in name order), so the
  training index is a fraction of the split and the same on every machine.
- Answerable cases: each specific query with evidence, asked of its own meeting; the sentences
  inside its evidence turns that say what its written answer says (eval.judge.collect) are the
  positives of the sentence model.
- Unanswerable cases, two kinds of hard negative: the query asked of another meeting of the
  same domain (AMI's product meetings all discuss a remote control, so its words are there but
  not its answer), and the query with its rarest content word swapped for one the meeting
  never uses (its subject is absent).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from eval.qmsum.data import Meeting, load_meeting
from retrieval import STOPWORDS

PER_DOMAIN = {"Committee": 24, "Academic": 14, "Product": 32}
_WORD = re.compile(r"[A-Za-z][a-z]{3,}")


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    document: str  # the meeting file it is asked of
    domain: str
    answerable: bool
    gold: frozenset[int]  # QMSum turns of the evidence (empty for unanswerable cases)
    kind: str  # "own", "other meeting", "swapped term"
    answer: str = ""  # the annotators' written answer (answerable cases)


def choose_meetings(folder: Path, per_domain: dict[str, int] = PER_DOMAIN) -> list[Meeting]:
    """Every k-th meeting of each domain, in name order."""
    by_domain: dict[str, list[Meeting]] = {}
    for path in sorted(Path(folder).glob("*.json")):
        meeting, _ = load_meeting(path)
        by_domain.setdefault(meeting.domain, []).append(meeting)
    chosen = []
    for domain, wanted in per_domain.items():
        meetings = by_domain.get(domain, [])
        step = max(1, len(meetings) / max(wanted, 1))
        chosen += [meetings[int(i * step)] for i in range(min(wanted, len(meetings)))]
    return chosen


def words_of(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)} - STOPWORDS


def cases(meetings: Sequence[Meeting], texts: dict[str, str], seed: int = 0) -> list[Case]:
    """The answerable and unanswerable cases of these meetings (`texts`: each meeting's text
    as indexed, for the swapped terms)."""
    rng = random.Random(seed)
    vocab = {m.name: words_of(texts[m.name]) for m in meetings}
    found: list[Case] = []
    for meeting in meetings:
        others = [m for m in meetings if m.domain == meeting.domain and m.name != meeting.name]
        elsewhere = sorted(
            set().union(*(vocab[m.name] for m in meetings if m.domain != meeting.domain))
        )
        for q in meeting.queries:
            found.append(
                Case(q.id, q.text, meeting.name, meeting.domain, True, q.gold, "own", q.answer)
            )
            if others:
                other = rng.choice(others)
                found.append(
                    Case(
                        f"{q.id}@{other.name}",
                        q.text,
                        other.name,
                        meeting.domain,
                        False,
                        frozenset(),
                        "other meeting",
                    )
                )
            swapped = swap_term(q.text, vocab[meeting.name], elsewhere, rng)
            if swapped:
                found.append(
                    Case(
                        f"{q.id}~",
                        swapped,
                        meeting.name,
                        meeting.domain,
                        False,
                        frozenset(),
                        "swapped term",
                    )
                )
    return found


def swap_term(
    question: str, meeting: set[str], elsewhere: Sequence[str], rng: random.Random
) -> str | None:
    """The question with its rarest-looking content word (the longest the meeting uses) put
    in place by a word of another domain that this meeting never uses."""
    words = [
        w for w in _WORD.findall(question) if w.lower() in meeting and w.lower() not in STOPWORDS
    ]
    pool = [w for w in elsewhere if w not in meeting]
    if not words or not pool:
        return None
    target = max(words, key=len)
    return re.sub(rf"\b{re.escape(target)}\b", rng.choice(pool), question, count=1)
