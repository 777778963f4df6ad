"""Transcripts written for the reliability tests and benchmarks: meetings of made-up people
saying made-up but distinct sentences, in the `Name: text` log format, as many and as long as
a test needs. Seeded, so two runs write the same bytes."""

from __future__ import annotations

import random
from pathlib import Path

PEOPLE = (
    "Ada Moreno",
    "Bruno Lindqvist",
    "Chiara Okoye",
    "Dmitri Haas",
    "Elif Brandt",
    "Farid Nakamura",
)
SUBJECTS = (
    "the harbour crane",
    "the wind farm permit",
    "the school canteen",
    "the bridge survey",
    "the library roof",
    "the tram timetable",
    "the water meters",
    "the budget review",
)
VERBS = ("costs", "needs", "delays", "replaces", "depends on", "was approved with")
OBJECTS = (
    "a second inspection",
    "four million euros",
    "the council's vote",
    "new steel cables",
    "a safety audit",
    "two more engineers",
    "the spring tender",
    "a noise report",
)
WHEN = ("this week", "next month", "in March", "by Friday", "before the summer", "in 2027")


def meeting(seed: int, turns: int) -> str:
    """One meeting of `turns` turns, each one to three sentences, no two sentences alike."""
    rng = random.Random(seed)
    lines = []
    for n in range(turns):
        sentences = [
            f"{rng.choice(SUBJECTS).capitalize()} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
            f"{rng.choice(WHEN)}, item {seed}-{n}-{k}."
            for k in range(rng.randint(1, 3))
        ]
        lines.append(f"{rng.choice(PEOPLE)}: {' '.join(sentences)}")
    return "\n".join(lines) + "\n"


def write_corpus(folder: Path, files: int, turns: int, version: int = 0) -> Path:
    """`files` meetings in `folder`; another `version` changes the first file and adds one."""
    folder.mkdir(parents=True, exist_ok=True)
    count = files + (1 if version else 0)
    for i in range(count):
        seed = 1000 * version + i if i == 0 or i >= files else i
        (folder / f"meeting-{i:02d}.txt").write_text(meeting(seed, turns), encoding="utf-8")
    return folder
