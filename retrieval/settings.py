"""Query-time settings; defaults answer offline with the extractive answerer."""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.settings import IngestSettings


@dataclass(frozen=True)
class Settings:
    ingest: IngestSettings = field(default_factory=IngestSettings)
    top_k: int = 5  # passages returned as contexts
    max_quotes: int = 3  # sentences the extractive answer quotes at most
    # The best sentence must score at least this for the transcript to count as answering.
    # Chosen on eval/questions.jsonl by `python -m eval --sweep`: the threshold with the best
    # refusal accuracy minus false-refusal rate (Youden's J). See eval/results/report.md.
    refusal_threshold: float = 0.48
    # Further sentences are quoted only if they score within this margin of the best one.
    quote_margin: float = 0.12
