"""`webinar-rag` commands in processes that can be killed, without loading the model each time.

A crash test needs many real processes, each killed with SIGKILL at some moment; loading the
model takes seconds, an ingest of a small corpus about as long. So one server process loads the
model (and runs nothing on it: OpenMP and tokenizer pools must not exist before a fork), then
forks a child per command, which runs `webinar_rag.cli.main(argv)` with the model already in
memory. The server is the parent: it kills and reaps its own children, so a PID it kills is
never reused by then (a child that ended stays a zombie until the server reaps it).

    with ForkCLI(env) as runner:
        [result] = runner.run([["ingest", "corpus/", "--index", "idx"]], kill_after=1.5)
"""

from __future__ import annotations

import glob
import json
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Result:
    """One child: its exit code (-9 when it was killed), seconds from fork to end, its output."""

    pid: int
    code: int
    killed: bool
    seconds: float
    output: str


class ForkCLI:
    """The controller: starts `python -m tests.support.forkcli` and sends it commands, one at
    a time."""

    def __init__(self, env: dict[str, str] | None = None, log_dir: Path | None = None) -> None:
        self.env = env
        self.log_dir = Path(log_dir) if log_dir else Path(os.environ.get("TMPDIR", "/tmp"))
        self._proc: subprocess.Popen[str] | None = None
        self._count = 0

    def __enter__(self) -> ForkCLI:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.forkcli"],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        ready = self._proc.stdout.readline().strip()
        if ready != "ready":
            raise RuntimeError(f"the fork server did not start (it said {ready!r})")
        return self

    def run(
        self,
        commands: list[list[str]],
        kill_after: float | None = None,
        kill_on: tuple[str, float] | None = None,
    ) -> list[Result]:
        """Start the commands together; SIGKILL those still running after `kill_after` s, or
        `kill_on[1]` s after a path matching the glob `kill_on[0]` appears."""
        assert self._proc is not None and self._proc.stdin and self._proc.stdout
        logs = []
        for _ in commands:
            self._count += 1
            logs.append(str(self.log_dir / f"forkcli-{os.getpid()}-{self._count}.log"))
        request = {"commands": commands, "kill_after": kill_after, "kill_on": kill_on, "logs": logs}
        self._proc.stdin.write(json.dumps(request) + "\n")
        self._proc.stdin.flush()
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError("the fork server ended")
        results = []
        for record, log in zip(json.loads(line), logs, strict=True):
            output = Path(log).read_text(encoding="utf-8", errors="replace")
            Path(log).unlink(missing_ok=True)
            results.append(Result(**record, output=output))
        return results

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._proc is not None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()


def _child(argv: list[str], log: str) -> None:
    """In the forked child: run the command with its output in `log`; never return."""
    code = 1
    try:
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        _rebuild_torch_pool()
        from webinar_rag import cli

        code = cli.main(argv)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _rebuild_torch_pool() -> None:
    """A fork marks torch's pthreadpool (made in the server by `set_num_threads`) as leaked;
    the first call that needs it builds a new one, and two threads doing so at once can see
    none (torch's "Invalid thread pool!" assert, seen in about one crash test in seven).
    Rebuild it here, while the child has one thread. A real CLI process never forks."""
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        torch.set_num_threads(torch.get_num_threads())


def _serve_one(request: dict[str, Any]) -> list[dict[str, Any]]:
    began = time.monotonic()
    children = []
    for argv, log in zip(request["commands"], request["logs"], strict=True):
        pid = os.fork()
        if pid == 0:
            _child(argv, log)
        children.append((pid, os.pidfd_open(pid)))
    deadline = None if request["kill_after"] is None else began + request["kill_after"]
    trigger = request.get("kill_on")
    ended: dict[int, float] = {}
    while len(ended) < len(children):
        if trigger and glob.glob(trigger[0]):
            deadline, trigger = time.monotonic() + trigger[1], None
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        if trigger:
            left = 0.003 if left is None else min(left, 0.003)
        waiting = [fd for pid, fd in children if pid not in ended]
        ready = select.select(waiting, [], [], left)[0]
        for pid, fd in children:
            if fd in ready:
                ended[pid] = time.monotonic() - began
        if not ready and not trigger and deadline is not None and time.monotonic() >= deadline:
            break
    results = []
    for pid, fd in children:
        killed = pid not in ended
        if killed:
            os.kill(pid, signal.SIGKILL)  # our own child, not yet reaped: its PID is still ours
        _, status = os.waitpid(pid, 0)
        os.close(fd)
        seconds = ended.get(pid, time.monotonic() - began)
        code = os.waitstatus_to_exitcode(status)
        results.append({"pid": pid, "code": code, "killed": killed, "seconds": seconds})
    return results


def main() -> None:
    """The server: load the models, say "ready", then one JSON request per line."""
    import ingest  # noqa: F401  (imported once here, not in every child)
    import retrieval  # noqa: F401
    import webinar_rag.cli  # noqa: F401
    from webinar_rag.core import ModelSettings
    from webinar_rag.models import entity_model, load_embedder

    load_embedder(ModelSettings.from_env())  # what the commands will load, as they read it
    entity_model()  # spaCy's model, which ingest uses to mark answer types
    print("ready", flush=True)
    for line in sys.stdin:
        print(json.dumps(_serve_one(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
