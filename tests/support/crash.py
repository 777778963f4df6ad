"""Kill -9 an ingest at random moments, and two ingests started together: what is left
(`python -m bench.crash` runs it at full size; tests/test_crash.py at a small one).

Two corpora, A and B (B changes one meeting and adds one), are ingested in turn until their
index folders repeat: their checksums are the only two acceptable states. Then each trial
starts `webinar-rag ingest` of the other corpus (incremental: it embeds the changed meetings
and writes the whole index) and SIGKILLs it after a random delay: half of them drawn over the
whole run, half after its temporary folder appears, within its write and swap. After each kill the
index must load (checksums verified) and be exactly A or exactly B; the next trial's ingest
must not be blocked by the dead one's lock, and must clean what it left. A last, unkilled
ingest must leave nothing beside the index but its lock file.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from webinar_rag.store import load_index

from .corpora import write_corpus
from .forkcli import ForkCLI, Result

FILES, TURNS = 6, 30  # an ingest from A to B embeds about 250 chunks and sentences


def fingerprint(index_dir: Path) -> str:
    """One hash of every file (name and bytes) of the folder a reader would load."""
    folder = load_index(index_dir).path
    assert folder is not None
    live = folder if folder.exists() else next(folder.parent.glob(f".{folder.name}.old-*"))
    digest = hashlib.sha256()
    for p in sorted(live.rglob("*")):
        if p.is_file():
            digest.update(p.relative_to(live).as_posix().encode() + b"\0" + p.read_bytes())
    return digest.hexdigest()


def leftovers(index_dir: Path) -> list[str]:
    """What lies beside the index besides itself and its lock file."""
    keep = {index_dir.name, f".{index_dir.name}.lock"}
    return sorted(p.name for p in index_dir.parent.iterdir() if p.name not in keep)


@dataclass
class CrashReport:
    trials: int = 0
    killed: int = 0
    finished: int = 0  # the random delay was longer than the ingest
    outcomes: Counter[str] = field(default_factory=Counter)  # "old" / "new" after a trial
    left_behind: int = 0  # trials after which temporary folders were left (for the next run)
    blocked: int = 0  # ingests stopped by a dead process's lock: must be 0
    bad: list[str] = field(default_factory=list)  # anything else: must be empty
    reference_seconds: float = 0.0  # the longest incremental ingest from one state to the other
    final_leftovers: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"outcomes": dict(self.outcomes)}


def ingest_argv(corpus: Path, index_dir: Path) -> list[str]:
    return ["ingest", str(corpus), "--index", str(index_dir), "--json"]


@dataclass(frozen=True)
class Scene:
    """Two corpora, the index folder that they take turns in, and its two acceptable states."""

    corpora: tuple[Path, Path]
    index_dir: Path
    states: tuple[str, str]  # fingerprints after ingesting corpora[0], corpora[1]
    seconds: float  # the longest ingest from one state to the other
    write: float  # its longest write stage


def scene(runner: ForkCLI, work: Path, files: int = FILES, turns: int = TURNS) -> Scene:
    """Ingest A, B, A, B, A. The vectors reused for unchanged meetings are those of the first
    ingest, and each changed meeting is embedded in the same batches every time, so from the
    third ingest on the states repeat byte for byte (checked). The index is left at A."""
    a, b = (write_corpus(work / n, files, turns, version=v) for v, n in enumerate("AB"))
    index_dir = work / "indexes" / "index"
    states: list[str] = []
    write = whole = 0.0
    for step in range(5):
        [done] = runner.run([ingest_argv((a, b)[step % 2], index_dir)])
        if done.code != 0:
            raise RuntimeError(f"a reference ingest failed: {done.output[-500:]}")
        write = max(write, json.loads(done.output)["stages"].get("write", 0.0))
        whole = max(whole, done.seconds) if step else whole  # the first one embeds everything
        states.append(fingerprint(index_dir))
    if states[4] != states[2]:
        raise RuntimeError("ingesting the same corpus twice wrote different index folders")
    return Scene((a, b), index_dir, (states[2], states[3]), whole, write)


def crash_trials(runner: ForkCLI, at: Scene, trials: int, seed: int = 0) -> CrashReport:
    """Each trial ingests the other corpus and is killed; the index must be one of the two."""
    rng = random.Random(seed)
    report = CrashReport(reference_seconds=at.seconds)
    state = at.states.index(fingerprint(at.index_dir))
    for _ in range(trials):
        target = 1 - state
        argv = ingest_argv(at.corpora[target], at.index_dir)
        if rng.random() < 0.5:
            [result] = runner.run([argv], kill_after=rng.uniform(0.0, at.seconds * 1.05))
        else:
            swap = rng.uniform(0.0, at.write * 1.5 + 0.02)
            tmp = str(at.index_dir.parent / f".{at.index_dir.name}.tmp-*")
            [result] = runner.run([argv], kill_on=(tmp, swap))
        report.trials += 1
        report.killed += result.killed
        report.finished += not result.killed
        if "Another ingest" in result.output:
            report.blocked += 1
        if not result.killed and result.code != 0:
            report.bad.append(f"exit {result.code}: {result.output[-300:]}")
        try:
            now = at.states.index(fingerprint(at.index_dir))
        except Exception as exc:  # neither state (ValueError), or it does not load
            report.bad.append(f"after a kill at {result.seconds:.2f} s: {exc}")
            break
        if not result.killed and now != target:
            report.bad.append("an ingest that finished left the old index")
        report.outcomes["new" if now == target else "old"] += 1
        report.left_behind += bool(leftovers(at.index_dir))
        state = now
    [last] = runner.run([ingest_argv(at.corpora[1 - state], at.index_dir)])
    if last.code != 0 or fingerprint(at.index_dir) != at.states[1 - state]:
        report.bad.append(f"the last ingest did not finish cleanly: {last.output[-300:]}")
    report.final_leftovers = leftovers(at.index_dir)
    return report


@dataclass
class TogetherReport:
    """Two ingests of one index started at the same moment, without and with --wait."""

    stopped: list[str] = field(default_factory=list)  # the message of the one that stopped
    codes_no_wait: list[int] = field(default_factory=list)
    codes_wait: list[int] = field(default_factory=list)
    states_ok: bool = False  # the index was exactly one corpus's after each pair


def together(runner: ForkCLI, at: Scene) -> TogetherReport:
    """The same change twice at once: one ingest stops with a message; then both corpora at
    once with --wait: one waits for the other. The index is one corpus's, never a mix."""
    report = TogetherReport()
    other = at.corpora[1 - at.states.index(fingerprint(at.index_dir))]  # seconds of work each
    pair: list[Result] = runner.run([ingest_argv(other, at.index_dir)] * 2)
    report.codes_no_wait = [r.code for r in pair]
    report.stopped = [r.output.strip() for r in pair if r.code != 0]
    first = fingerprint(at.index_dir) in at.states
    waited = runner.run([[*ingest_argv(c, at.index_dir), "--wait", "300"] for c in at.corpora])
    report.codes_wait = [r.code for r in waited]
    report.states_ok = (
        first and fingerprint(at.index_dir) in at.states and not leftovers(at.index_dir)
    )
    return report
