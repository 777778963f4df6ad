"""The QMSum benchmark's report: what was measured and how, the tables, and plain verdicts.

It reads only the summary that is written to qmsum.json, so a report can be made again from a
saved run.
"""

from __future__ import annotations

import math
from typing import Any

from eval.qmsum.runner import MODES

MODE_LABELS = {
    "bm25": "BM25 only (baseline)",
    "dense": "dense only",
    "hybrid": "hybrid (RRF)",
    "hybrid+rerank": "hybrid + rerank",
    "random": "random order (floor)",
}

COLUMNS = (
    ("hit@1", "Hit@1"),
    ("hit@3", "Hit@3"),
    ("hit@5", "Hit@5"),
    ("hit@10", "Hit@10"),
    ("mrr@10", "MRR@10"),
    ("recall@5", "turn-R@5"),
    ("recall@10", "turn-R@10"),
    ("words@10", "words@10"),
)


def _table(
    per_chunking: dict[str, dict[str, Any]], domain: str | None = None, pooled: bool = False
) -> list[str]:
    columns = [*COLUMNS, ("own_meeting@10", "own-meeting@10")] if pooled else list(COLUMNS)
    lines = [
        "| configuration | " + " | ".join(label for _, label in columns) + " | MRR ÷ BM25 |",
        "| --- |" + " ---: |" * (len(columns) + 1),
    ]
    for chunking, per_mode in per_chunking.items():
        base = per_mode["bm25"]
        for mode in MODES:
            name = f"{chunking} · {MODE_LABELS[mode]}"
            result = per_mode.get(mode)
            if result is None:
                continue
            if "skipped" in result:
                lines.append(f"| {name} | {result['skipped']} |" + " |" * len(columns))
                continue
            row = result["all"] if domain is None else result["by_domain"].get(domain)
            base_row = base["all"] if domain is None else base["by_domain"].get(domain)
            if not row or not row.get("queries"):
                continue
            cells = [
                f"{row[key]:.0f}" if key == "words@10" else f"{row[key]:.3f}" for key, _ in columns
            ]
            ratio = row["mrr@10"] / base_row["mrr@10"] if base_row["mrr@10"] else math.nan
            lines.append(f"| {name} | " + " | ".join(cells) + f" | {ratio:.2f} |")
    return lines


def _interval(d: dict[str, float]) -> str:
    return f"{d['mean']:+.3f} [{d['low']:+.3f}, {d['high']:+.3f}]"


def _verdicts(per_chunking: dict[str, dict[str, Any]], setting: str) -> list[str]:
    """Plain sentences: is a mode better than another, beyond what query sampling explains?"""
    out = []
    for chunking, pairs in per_chunking.items():
        for name, c in pairs.items():
            a, b = name.split("-")
            mrr = c["mrr@10"]
            verdict = (
                "better"
                if mrr["low"] > 0
                else "worse"
                if mrr["high"] < 0
                else "not clearly different (the interval spans 0)"
            )
            out.append(
                f"- {setting}, {chunking}: {MODE_LABELS[a]} vs {MODE_LABELS[b]}: {verdict}. "
                f"ΔMRR {_interval(mrr)}, Δturn-R@10 {_interval(c['recall@10'])}; queries whose "
                f"first evidence ranks higher / lower / the same: {c['queries_better']} / "
                f"{c['queries_worse']} / {c['queries_same']}."
            )
    return out


def report(summary: dict[str, Any]) -> str:
    results = summary["results"]
    domains = summary["domains"]
    lines = [
        "# QMSum (val) meeting retrieval benchmark",
        "",
        f"Run {summary['date']} · {summary['meetings']} meetings · {summary['queries']} specific "
        f"queries scored · {summary['skipped_queries']} skipped (no usable evidence span) · "
        f"model `{summary['model']}` · runtime {summary['runtime_s']['total']:.0f} s "
        f"(`python -m eval.qmsum`).",
        "",
        "**Data.** QMSum (Zhong et al., NAACL 2021) pairs meeting transcripts with questions and "
        "answers written by annotators. The specific queries ('What did the group discuss about "
        "the design goal of the remote control?', 'Summarize the discussion about X') come with "
        "the turns that hold the evidence (`relevant_text_span`: 0-based, inclusive turn ranges; "
        "gold evidence is a median of about 25 turns per query). The val split has three "
        "domains: "
        + ", ".join(
            f"{d} ({v['meetings']} meetings, {v['queries']} queries)" for d, v in domains.items()
        )
        + ". The general queries (whole-meeting summaries) have no spans and are not used.",
        "",
        "**Indexing.** Each turn becomes an `ingest.turns.Turn` of a synthetic transcript (one "
        "'Speaker: content' paragraph a turn; QMSum's non-speech markers such as `{disfmarker}` "
        "are removed and split punctuation re-attached; turns left without words yield no chunk). "
        "Two chunkings, each embedded once with the project's embedder and put in an in-memory "
        "`ingest.index.Index`; the pooled index reuses the per-meeting vectors:",
        "",
        *(
            f"- **{name}**: {c['description']}; {c['chunks']} chunks, "
            f"{c['mean_words']:.0f} words each on average."
            for name, c in summary["chunkings"].items()
        ),
        "",
        "Search is `retrieval.retriever.Searcher` in its `bm25`, `dense` and `hybrid` "
        "(reciprocal-rank fusion, k = 60) modes, top 10. The random row ranks chunks in a "
        "seeded random order: the floor that evidence size alone gives.",
        "",
        "**Matching evidence.** A retrieved chunk covers the turns it spans (one turn for a "
        "speaker-turn chunk, a turn range for a window). The gold turns G of a query are the "
        "union of all its spans, minus turns with no words. A chunk is relevant when it comes "
        "from the query's own meeting and covers at least one gold turn.",
        "",
        "- **Hit@k**: a relevant chunk is among the top k. **MRR@10**: 1/rank of the first "
        "relevant chunk, 0 if none in the top 10.",
        "- **turn-R@k** (turn recall): |G ∩ turns covered by the top-k chunks of the query's "
        "meeting| / |G|, over all spans together. A query with 3 spans of 10 turns each needs "
        "all 30 turns covered for 1.0. It is strict: evidence is often dozens of turns and 10 "
        "chunks cannot cover it, so low values are expected.",
        "- **words@10**: words in the top 10 chunks (windows are longer, which inflates Hit@k; "
        "compare chunkings with that in mind). **own-meeting@10** (pooled): share of the top 10 "
        "from the query's meeting. **MRR ÷ BM25**: against BM25 with the same chunking in the "
        "same run.",
        "- All are macro averages over queries. Within-meeting: each query searches only its "
        "own meeting's index. Pooled: one index over all meetings; chunks of other meetings never "
        "count, even when the same query text exists there (the AMI meetings are five teams "
        "doing the same design task, so near-duplicate queries are common).",
        "",
    ]
    for setting, title in (("within", "Within-meeting"), ("pooled", "Pooled (all meetings)")):
        lines += [f"## {title}", "", *_table(results[setting], pooled=setting == "pooled"), ""]
        floor = {
            chunking: per_mode["random"]["all"]["hit@10"]
            for chunking, per_mode in results[setting].items()
        }
        lines += [
            "The random order reaches Hit@10 "
            + ", ".join(f"{v:.2f} ({k})" for k, v in floor.items())
            + (
                ": inside one meeting the evidence is often a large share of the turns, so "
                "read Hit@k against that floor, not against 0."
                if setting == "within"
                else "."
            ),
            "",
        ]
        lines += [
            "Paired differences over the same queries (mean, 95% bootstrap interval over "
            "queries, 10,000 resamples):",
            "",
            *_verdicts(summary["comparisons"][setting], title),
            "",
        ]
    for setting, title in (("within", "Within-meeting"), ("pooled", "Pooled")):
        for domain in domains:
            lines += [f"### {title}, {domain}", ""]
            lines += [*_table(results[setting], domain, pooled=setting == "pooled"), ""]
    zero = {
        f"{setting}/{chunking}": per_mode["bm25"]["all"].get("bm25_zero@10", math.nan)
        for setting, per in results.items()
        for chunking, per_mode in per.items()
    }
    lines += [
        "## Notes",
        "",
        "- `Searcher`'s bm25 mode breaks ties by dense score, so chunks sharing no query word "
        "still fill the top 10 in dense order. Mean slots per query filled that way: "
        + ", ".join(f"{k} {v:.2f}" for k, v in zero.items())
        + ".",
        "- Dense vectors come from the project's default embedder "
        "(`ingest.embedder.load_embedder(default_model_path())`, named in the header); passages "
        "through `embed`, questions through `embed_query`, as the product does. Its models read "
        "a bounded number of word pieces (MiniLM 256), so long chunks (windows, long committee "
        "turns) are embedded from their beginning only, while BM25 reads all of them.",
        "- Sentence vectors are not built (`Searcher` never reads them), so the indexes here "
        "cannot drive the extractive answerer; this benchmark scores retrieval only.",
        "- Chunks are indexed without the project's speaker prefix: the speaker's name is already "
        "in the text (the first chunk of each turn, every turn of a window), so no prefix is "
        "added.",
        f"- Runtime by stage (s): {summary['runtime_s']}.",
    ]
    if summary["skipped"]:
        lines += ["", "## Skipped queries", ""]
        lines += [f"- {s['id']} ({s['reason']}): {s['query']}" for s in summary["skipped"]]
    return "\n".join(lines) + "\n"
