"""Crashes and concurrent ingests, with real processes: `webinar-rag ingest` killed with
SIGKILL at random moments (tests.support.crash, run here at a small scale: >= 20 trials), and two
ingests of one index started together. The model loads once, in tests.support.forkcli's server,
which forks a child per command."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.crash import Scene, crash_trials, leftovers, scene, together
from tests.support.forkcli import ForkCLI
from webinar_rag.store import lock_path

pytestmark = pytest.mark.slow
FILES, TURNS = 4, 12  # an incremental ingest from one corpus to the other: a few seconds


@pytest.fixture(scope="module")
def runner(fork_cli: ForkCLI) -> ForkCLI:
    return fork_cli


@pytest.fixture(scope="module")
def at(runner: ForkCLI, tmp_path_factory: pytest.TempPathFactory) -> Scene:
    return scene(runner, tmp_path_factory.mktemp("crash"), FILES, TURNS)


def test_an_ingest_killed_at_random_moments_leaves_the_old_or_the_new_index(
    runner: ForkCLI, at: Scene
) -> None:
    report = crash_trials(runner, at, trials=20, seed=12)
    assert report.trials == 20 and not report.bad, report.bad
    assert report.killed >= 5  # most are killed (some finish before their delay)
    assert report.blocked == 0  # a dead ingest's lock never stopped the next one
    assert report.outcomes["old"] and report.outcomes["new"]  # both outcomes happened
    assert report.left_behind >= 1  # kills during the write left folders to clean...
    assert report.final_leftovers == []  # ...which the next runs cleaned
    pid = lock_path(at.index_dir).read_text().strip()
    assert pid == "" or pid.isdigit()  # the lock file stays; only the kernel's lock counts


def test_two_ingests_started_together_never_mix_the_index(runner: ForkCLI, at: Scene) -> None:
    report = together(runner, at)
    assert sorted(report.codes_no_wait) == [0, 2]
    [message] = report.stopped
    assert message.startswith("webinar-rag: error: Another ingest (PID ")
    assert "--wait SECONDS" in message and message.count("\n") == 0
    assert report.codes_wait == [0, 0]  # with --wait, the second waits for the first
    assert report.states_ok
    assert leftovers(at.index_dir) == [] and Path(at.index_dir).is_dir()
