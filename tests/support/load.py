"""Questions from many clients at once: errors, latency per level, identical answers, memory.

The pieces `python -m bench.reliability` runs (and the load tests run at a small scale):
- `levels(ask_for, ...)`: at each level of concurrent clients, a few hundred questions from
  eval/questions.jsonl, each client on its own thread with its own session (`ask_for(i)`
  makes client i's asking function: `Assistant.ask` in this process, or `/ask` through
  gradio_client); errors, p50/p95 latency, its ratio to the one-client level of the same
  run, and answers that differ from the single-client reference (timings aside).
- `memory(...)`: resident memory of this process (which also serves the page) sampled across
  a thousand questions.
- `llm_levels(...)`: the same with the LLM answering; every answer must carry citations or be
  a refusal (a fault falls back to the cited quotes, with a notice).
"""

from __future__ import annotations

import contextlib
import json
import statistics
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
Ask = Callable[[str], dict[str, Any]]  # a question -> the answer's JSON (`ask --json`)


@contextlib.contextmanager
def served(assistant: Any, **build: Any) -> Iterator[str]:
    """The chat app over `assistant` on a free port of 127.0.0.1 (`build`: `build_app`'s
    options); yields its URL and closes it after."""
    from eval.local_llm import free_port
    from webinar_rag.ui import build_app, launch

    demo = build_app(assistant, **build)
    url = launch(demo, "127.0.0.1", free_port(), prevent_thread_lock=True)
    try:
        yield url
    finally:
        demo.close()


def questions(path: Path = ROOT / "eval" / "questions.jsonl") -> list[str]:
    return [json.loads(line)["question"] for line in path.read_text("utf-8").splitlines() if line]


def plain(record: dict[str, Any]) -> str:
    """An answer without its timings, as JSON: what must not change with the load."""
    return json.dumps({k: v for k, v in record.items() if k != "timings_ms"}, sort_keys=True)


@dataclass
class Level:
    clients: int
    questions: int = 0
    errors: int = 0
    different: int = 0  # answers unlike the single-client one
    uncited: int = 0  # answers that are neither cited nor a refusal
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    seconds: float = 0.0
    p50_ratio: float = 1.0  # p50 over the one-client level's p50, same run
    p95_ratio: float = 1.0
    first_errors: list[str] = field(default_factory=list)
    backends: dict[str, int] = field(default_factory=dict)
    notices: dict[str, int] = field(default_factory=dict)  # by their first words


def run_level(
    ask_for: Callable[[int], Ask],
    clients: int,
    asked: Sequence[str],
    expected: dict[str, str] | None = None,
) -> Level:
    """`asked` split over `clients` threads, each with its own asking function."""
    level = Level(clients)
    latencies: list[float] = []
    lock = threading.Lock()
    todo = list(enumerate(asked))

    def client(n: int) -> None:
        ask = ask_for(n)
        while True:
            with lock:
                if not todo:
                    return
                _, question = todo.pop()
            began = time.perf_counter()
            try:
                record = ask(question)
            except Exception as exc:  # counted: none may happen
                with lock:
                    level.errors += 1
                    if len(level.first_errors) < 3:
                        level.first_errors.append(f"{type(exc).__name__}: {exc}"[:300])
                continue
            took = (time.perf_counter() - began) * 1000
            with lock:
                latencies.append(took)
                level.questions += 1
                if expected is not None and plain(record) != expected[question]:
                    level.different += 1
                if not (record["refused"] or record["citations"]):
                    level.uncited += 1
                backend = str(record.get("backend"))
                level.backends[backend] = level.backends.get(backend, 0) + 1
                notice = " ".join(str(record.get("notice") or "none").split()[:6])
                level.notices[notice] = level.notices.get(notice, 0) + 1

    began = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    level.seconds = time.perf_counter() - began
    if latencies:
        level.p50_ms = statistics.median(latencies)
        many = len(latencies) > 1
        level.p95_ms = statistics.quantiles(latencies, n=20)[-1] if many else latencies[0]
    return level


def levels(
    ask_for: Callable[[int], Ask],
    counts: Sequence[int],
    per_level: int,
    pool: Sequence[str],
    expected: dict[str, str] | None = None,
) -> list[Level]:
    """One `run_level` per count, each asking `per_level` questions drawn in turn from
    `pool`; ratios against the first level (one client) of this run."""
    asked = [pool[i % len(pool)] for i in range(per_level)]
    done = [run_level(ask_for, c, asked, expected) for c in counts]
    base = done[0]
    for level in done:
        level.p50_ratio = round(level.p50_ms / base.p50_ms, 2) if base.p50_ms else 0.0
        level.p95_ratio = round(level.p95_ms / base.p95_ms, 2) if base.p95_ms else 0.0
    return done


def reference(ask: Ask, pool: Sequence[str]) -> dict[str, str]:
    """The single-client answer to each question: what every level must repeat."""
    return {q: plain(ask(q)) for q in dict.fromkeys(pool)}


def rss_mb() -> float:
    """This process's resident memory (Linux), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Memory:
    questions: int
    clients: int
    samples_mb: list[float]  # after every tenth of the questions; the first after a warm-up

    @property
    def growth_mb(self) -> float:
        return self.samples_mb[-1] - self.samples_mb[0]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"growth_mb": round(self.growth_mb, 1)}


def memory(
    ask_for: Callable[[int], Ask], pool: Sequence[str], total: int = 1000, clients: int = 4
) -> Memory:
    """Resident memory across `total` questions, after a warm-up round of the pool (caches
    filling on first use are not growth)."""
    run_level(ask_for, clients, list(pool))
    samples = [round(rss_mb(), 1)]
    step = max(1, total // 10)
    for start in range(0, total, step):
        asked = [pool[i % len(pool)] for i in range(start, min(total, start + step))]
        run_level(ask_for, clients, asked)
        samples.append(round(rss_mb(), 1))
    return Memory(total, clients, samples)
