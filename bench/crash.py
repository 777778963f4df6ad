"""Kill -9 an ingest at random moments, and two ingests started together: what is left.

    python -m bench.crash [--trials 50] [--out bench/results/crash.json]

The harness is the tests' (tests/support/crash.py: what is checked after each kill); this
runs it at full size and writes the numbers.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import asdict
from pathlib import Path

from eval.paths import save_json
from tests.support.crash import crash_trials, scene, together
from tests.support.forkcli import ForkCLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.crash", description=__doc__)
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="write the results JSON here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="crash-bench-") as tmp, ForkCLI() as runner:
        at = scene(runner, Path(tmp))
        crashes = crash_trials(runner, at, args.trials, args.seed)
        pair = together(runner, at)
    result = {"crash": crashes.to_dict(), "together": asdict(pair)}
    print(json.dumps(result, indent=2))
    if args.out:
        save_json(args.out, result)
    return 0 if not crashes.bad and pair.states_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
