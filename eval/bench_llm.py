"""Tokens per second of the local llama.cpp server on this machine, through the product.

    python -m eval.bench_llm [--questions N] [--out eval/results/llm_speed.json]

Streams the answers of the first N answerable development questions through
`Assistant.stream(backend="llm")` and measures the time to the first streamed word (retrieval,
the offline draft and prompt processing) and decode speed (streamed pieces after the first, one
token each on llama.cpp), beside the extractive answer's latency measured in the same run as
the baseline.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from eval.local_llm import ALIAS, local_llm
from eval.paths import DEV_SET, print_json
from eval.runner import load_questions
from retrieval import Assistant
from webinar_rag.core import LLMSettings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.bench_llm", description=__doc__)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    assistant = Assistant.load()
    questions = [q for q in load_questions(DEV_SET) if q["answerable"]][: args.questions]
    rows = []
    with local_llm() as url:
        llm = LLMSettings(base_url=url, model=ALIAS, timeout=120, max_tokens=200)
        streaming = assistant.with_settings(llm=llm)
        for q in questions:
            extractive = assistant.ask(q["question"], backend="extractive")
            began = time.perf_counter()
            first = None
            tokens = 0
            for piece in streaming.stream(q["question"], backend="llm"):
                if isinstance(piece, str) and piece:
                    tokens += 1
                    first = first or time.perf_counter()
            end = time.perf_counter()
            rows.append(
                {
                    "ttft_s": (first or end) - began,
                    "decode_tok_s": (tokens - 1) / (end - first) if first and tokens > 1 else 0.0,
                    "llm_total_s": end - began,
                    "extractive_total_s": extractive.timings_ms["total"] / 1000,
                }
            )
    result = {
        "questions": len(rows),
        "median_ttft_s": statistics.median(r["ttft_s"] for r in rows),
        "median_decode_tokens_per_s": statistics.median(r["decode_tok_s"] for r in rows),
        "median_llm_s": statistics.median(r["llm_total_s"] for r in rows),
        "median_extractive_s": statistics.median(r["extractive_total_s"] for r in rows),
    }
    result["llm_over_extractive_latency"] = result["median_llm_s"] / result["median_extractive_s"]
    print_json(result, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
