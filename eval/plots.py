"""PNG plots of an evaluation run: metric bars per configuration, latency per configuration.

Drawn on bare `Figure`s with the Agg canvas, so no display and no pyplot global state.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import ScalarFormatter

# (key in the summary, label on the plot)
METRICS = (
    ("hit@1", "hit@1"),
    ("hit@5", "hit@5"),
    ("mrr", "MRR"),
    ("ndcg@5", "nDCG@5"),
    ("fact_coverage", "fact coverage"),
    ("speaker_attribution", "speaker\nattribution"),
    ("refusal_accuracy", "refusal\naccuracy"),
    ("false_refusal", "false refusal\n(lower is better)"),
)


def metric_bars(results: Mapping[str, Mapping[str, Any]], path: Path) -> Path:
    """One group of bars per metric, one bar per configuration."""
    names = list(results)
    fig = Figure(figsize=(13, 5.5), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    width = 0.8 / max(len(names), 1)
    for i, name in enumerate(names):
        xs = [m + (i - (len(names) - 1) / 2) * width for m in range(len(METRICS))]
        values = [_number(results[name].get(key)) for key, _ in METRICS]
        bars = ax.bar(xs, values, width, label=name, color=_colour(i))
        # Labels tell a zero from a missing bar.
        ax.bar_label(bars, fmt="%.2f", rotation=90, fontsize=6.5, padding=2)
    ax.set_xticks(range(len(METRICS)), [label for _, label in METRICS])
    ax.set_ylim(0, 1.15)
    ax.set_ylabel("share of questions")
    ax.set_title("Metrics per configuration (development questions)")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=min(len(names), 4))
    fig.savefig(path, dpi=110)
    return path


def latency_boxes(latencies: Mapping[str, Sequence[float]], path: Path) -> Path:
    """Per-question total time (question in, cited answer out) for each configuration."""
    names = [n for n, values in latencies.items() if values]
    fig = Figure(figsize=(10, 0.55 * len(names) + 1.8), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    data = [list(latencies[n]) for n in reversed(names)]  # first configuration on top
    boxes = ax.boxplot(data, orientation="horizontal", patch_artist=True, widths=0.6)
    for i, box in enumerate(boxes["boxes"]):
        box.set_facecolor(_colour(len(names) - 1 - i))
        box.set_alpha(0.6)
    ax.set_yticks(range(1, len(names) + 1), list(reversed(names)))
    values = [v for series in data for v in series if v > 0]
    if values and max(values) / min(values) > 30:  # an LLM row next to millisecond rows
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(ScalarFormatter())  # 100, 1000: not 10^2, 10^3
    ax.set_xlabel("total ms per question (retrieve + answer)")
    ax.set_title("Latency per configuration")
    ax.grid(axis="x", alpha=0.3)
    fig.savefig(path, dpi=110)
    return path


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else math.nan


def _colour(i: int) -> str:
    return f"C{i % 10}"
