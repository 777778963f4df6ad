"""`python -m eval.overview`: the meeting summary against LEAD, LexRank and the plain LangChain
pipeline's top chunks on QMSum val, in one run.

    python -m eval.overview [--data ../shared/data/qmsum/val] [--work build/qmsum-val]
                            [--out eval/results]

Two kinds of query, each with its human-written reference:
- general: each meeting's "Summarize the whole meeting" (one a meeting);
- focused: the specific queries that ask for a summary ("Summarize the discussion about..."),
  answered by the product's focused summary (the overview's summary with the question's
  cosine added to centrality).
Every system's text is cut at the reference's length in words, and scored with ROUGE-1/2/L
F1 (`rouge-score`, Porter stemming). Differences to the product are paired over the same
references, with 95% bootstrap intervals. Nothing was fitted on this split: the summary has
no learned parameters (MMR's lambda 0.7 is the literature's).

- LEAD: the first N words of the transcript.
- LexRank (Erkan & Radev, 2004): TF-IDF cosine graph over the same sentences the product
  chooses from, edges above 0.1, PageRank with damping 0.85; top sentences up to N words, in
  the order said. Implemented here (sumy's needs NLTK data that cannot be downloaded offline).
- LangChain top chunks: `eval.baseline.LangChainBaseline` over the meeting (1000/200
  splitter, MiniLM, FAISS), the top chunks for the query, in rank order.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from eval.baseline import LangChainBaseline
from eval.paths import qmsum_val_parser, save_json, save_text, shown
from eval.qmsum.data import load_dataset
from ingest import ingest
from retrieval import MIN_POINT_WORDS, Assistant, Said, route, sentences_of
from webinar_rag.core import IndexSettings, Settings
from webinar_rag.models import minilm_path

SYSTEMS = ("product", "lead", "lexrank", "langchain top chunks")
METRICS = ("rouge1", "rouge2", "rougeL")
RESAMPLES = 2000


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    began = time.perf_counter()
    meetings, _ = load_dataset(args.data)
    models = Settings.from_env(parts=("models",)).models
    settings = Settings(index=IndexSettings(index_dir=args.work / "index"), models=models)
    ingest([m.path for m in meetings], settings, progress=sys.stderr.isatty())
    assistant = Assistant.load(settings.changed(backend="extractive"))
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    rows: dict[str, list[dict[str, Any]]] = {"general": [], "focused": []}
    build_s: list[tuple[int, float]] = []
    answer_ms: list[float] = []
    for meeting in meetings:
        name = meeting.name
        raw = json.loads(meeting.path.read_text(encoding="utf-8"))
        lead_text = " ".join(t["content"] for t in raw["meeting_transcripts"])
        said = [s for s in sentences_of(assistant.store, [name]) if s.states]
        baseline = LangChainBaseline({name: assistant.store.sources[name].text}, minilm_path())
        queries = [("general", q["query"], q["answer"]) for q in raw["general_query_list"]]
        queries += [
            ("focused", q.text, q.answer)
            for q in meeting.queries
            if q.answer and (r := route(q.text)) is not None and r.part == "summary"
        ]
        for kind, query, reference in queries:
            n = len(reference.split())
            focus_text = route(query).focus if kind == "focused" else None  # type: ignore[union-attr]
            focus = assistant.embedder.embed_query(focus_text) if focus_text else None
            t = time.perf_counter()
            overview = assistant.overviews.build([name], None, n, focus, focus_text)
            if kind == "general":
                build_s.append((len(lead_text.split()), time.perf_counter() - t))
            product = " ".join(overview.cited(i).quote for i in overview.summary)
            texts = {
                "product": product,
                "lead": lead_text,
                "lexrank": lexrank(said, n),
                "langchain top chunks": " ".join(
                    c["text"] for c in baseline.ask(focus_text or query)["contexts"]
                ),
            }
            scores = {}
            for system, text in texts.items():
                cut = " ".join(text.split()[:n])
                s = scorer.score(reference, cut)
                scores[system] = {m: s[m].fmeasure for m in METRICS}
            rows[kind].append({"meeting": name, "query": query, "words": n, "scores": scores})
        t = time.perf_counter()
        assistant.ask("Summarize the whole meeting", document=name)  # builds and keeps it
        t = time.perf_counter()
        assistant.ask("Summarize the whole meeting", document=name)  # from the kept overview
        answer_ms.append((time.perf_counter() - t) * 1000)
    summary = {
        "command": "python -m eval.overview",
        "data": shown(args.data),
        "meetings": len(meetings),
        "queries": {k: len(v) for k, v in rows.items()},
        "results": {k: _table(v) for k, v in rows.items()},
        "speed": {
            "build_s_by_meeting_words": [[w, round(s, 3)] for w, s in build_s],
            "build_s_max": round(max(s for _, s in build_s), 3),
            "words_max": max(w for w, _ in build_s),
            "answer_from_kept_ms_p50": round(float(np.median(answer_ms)), 1),
            "answer_from_kept_ms_max": round(max(answer_ms), 1),
        },
        "seconds": round(time.perf_counter() - began),
    }
    save_json(args.out / "overview.json", summary)
    save_text(args.out / "overview.md", write_up(summary))
    print(write_up(summary))
    return 0


def lexrank(said: Sequence[Said], words: int, threshold: float = 0.1) -> str:
    """LexRank over TF-IDF cosine: the top sentences up to `words`, in the order said."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    pool = [s for s in said if s.words >= MIN_POINT_WORDS] or list(said)
    if not pool:
        return ""
    tfidf = TfidfVectorizer().fit_transform([s.text for s in pool])
    sim = (tfidf @ tfidf.T).toarray()
    adjacency = (sim > threshold).astype(float)
    degree = adjacency.sum(axis=1, keepdims=True)
    transition = adjacency / np.where(degree == 0, 1, degree)
    n = len(pool)
    rank = np.full(n, 1.0 / n)
    for _ in range(100):
        new = 0.15 / n + 0.85 * transition.T @ rank
        if np.abs(new - rank).sum() < 1e-6:
            rank = new
            break
        rank = new
    chosen, taken = [], 0
    for i in np.argsort(-rank):
        if taken >= words:
            break
        chosen.append(int(i))
        taken += pool[int(i)].words
    return " ".join(pool[i].text for i in sorted(chosen))


def _table(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for system in SYSTEMS:
        out[system] = {
            m: round(float(np.mean([r["scores"][system][m] for r in rows])), 4) for m in METRICS
        }
        if system != "product":
            out[system]["product minus this"] = {m: _paired(rows, system, m) for m in METRICS}
    return out


def _paired(rows: list[dict[str, Any]], system: str, metric: str) -> dict[str, float]:
    diff = np.asarray([r["scores"]["product"][metric] - r["scores"][system][metric] for r in rows])
    rng = np.random.default_rng(0)
    means = [float(rng.choice(diff, len(diff)).mean()) for _ in range(RESAMPLES)]
    low, high = np.percentile(means, [2.5, 97.5])
    return {"mean": round(float(diff.mean()), 4), "low": round(float(low), 4),
            "high": round(float(high), 4)}  # fmt: skip


def write_up(summary: dict[str, Any]) -> str:
    lines = [
        "# Meeting summaries on QMSum val",
        "",
        f"Generated by `{summary['command']}` on `{summary['data']}` ({summary['meetings']} "
        f"meetings; queries {summary['queries']}; {summary['seconds']} s). ROUGE F1 with "
        "stemming, every system cut at the reference's length; in brackets, the product minus "
        "that system with a 95% paired bootstrap interval. Nothing was fitted on this split.",
    ]
    for kind, table in summary["results"].items():
        lines += ["", f"## {kind} queries", "", "| system | " + " | ".join(METRICS) + " |"]
        lines.append("| --- |" + " ---: |" * len(METRICS))
        for system in SYSTEMS:
            cells = []
            for m in METRICS:
                cell = f"{table[system][m]:.4f}"
                if system != "product":
                    d = table[system]["product minus this"][m]
                    cell += f" ({d['mean']:+.4f} [{d['low']:+.4f}, {d['high']:+.4f}])"
                cells.append(cell)
            lines.append(f"| {system} | " + " | ".join(cells) + " |")
    speed = summary["speed"]
    lines += [
        "",
        "## Speed",
        "",
        f"- Overview of a meeting (largest: {speed['words_max']} words): at most "
        f"{speed['build_s_max']} s to build from the index's stored vectors.",
        f"- A whole-meeting question answered from the kept overview: p50 "
        f"{speed['answer_from_kept_ms_p50']} ms, max {speed['answer_from_kept_ms_max']} ms.",
    ]
    return "\n".join(lines) + "\n"


def _parser() -> argparse.ArgumentParser:
    return qmsum_val_parser("python -m eval.overview", __doc__)


if __name__ == "__main__":
    raise SystemExit(main())
