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
    "hybrid-nocues": "hybrid, speaker cues off (diagnostic)",
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


def _table(per_mode: dict[str, Any], domain: str | None = None, pooled: bool = False) -> list[str]:
    columns = [*COLUMNS, ("own_meeting@10", "own-meeting@10")] if pooled else list(COLUMNS)
    lines = [
        "| retrieval | " + " | ".join(label for _, label in columns) + " | MRR ÷ BM25 |",
        "| --- |" + " ---: |" * (len(columns) + 1),
    ]
    base = per_mode["bm25"]
    base_row = base["all"] if domain is None else base["by_domain"].get(domain)
    for mode in MODES:
        result = per_mode.get(mode)
        if result is None:
            continue
        if "skipped" in result:
            lines.append(f"| {MODE_LABELS[mode]} | {result['skipped']} |" + " |" * len(columns))
            continue
        row = result["all"] if domain is None else result["by_domain"].get(domain)
        if not row or not row.get("queries"):
            continue
        cells = [
            f"{row[key]:.0f}" if key == "words@10" else f"{row[key]:.3f}" for key, _ in columns
        ]
        ratio = row["mrr@10"] / base_row["mrr@10"] if base_row["mrr@10"] else math.nan
        lines.append(f"| {MODE_LABELS[mode]} | " + " | ".join(cells) + f" | {ratio:.2f} |")
    return lines


def _interval(d: dict[str, float]) -> str:
    return f"{d['mean']:+.3f} [{d['low']:+.3f}, {d['high']:+.3f}]"


def verdict(difference: dict[str, float]) -> str:
    """Better or worse only when the 95% interval of the paired difference excludes 0."""
    if difference["low"] > 0:
        return "better"
    if difference["high"] < 0:
        return "worse"
    return "not clearly different (the interval spans 0)"


def _verdicts(pairs: dict[str, Any], setting: str) -> list[str]:
    """Plain sentences: is a mode better than another, beyond what query sampling explains?"""
    out = []
    for name, c in pairs.items():
        a, b = name.split(" vs ")
        mrr = c["mrr@10"]
        out.append(
            f"- {setting}: {MODE_LABELS[a]} vs {MODE_LABELS[b]}: {verdict(mrr)}. "
            f"ΔMRR {_interval(mrr)}, Δturn-R@10 {_interval(c['recall@10'])}; queries whose "
            f"first evidence ranks higher / lower / the same: {c['queries_better']} / "
            f"{c['queries_worse']} / {c['queries_same']}."
        )
    return out


SETTING_TITLES = {"document": "Per document (document filter)", "pooled": "Pooled (all meetings)"}


def _header(summary: dict[str, Any]) -> list[str]:
    index, ingest = summary["index"], summary["ingest"]
    built = (
        f"ingest {ingest['seconds']:.0f} s"
        if not ingest["up_to_date"]
        else f"index reused from `{ingest['index']}` (up to date, checked in "
        f"{ingest['seconds']:.0f} s)"
    )
    return [
        "# QMSum (val) meeting retrieval benchmark",
        "",
        f"Run {summary['date']} · {summary['meetings']} meetings · {summary['queries']} specific "
        f"queries scored · {summary['skipped_queries']} skipped (no usable evidence span) · "
        f"model `{index['model']}` · {built} · runtime {summary['runtime_s']['total']:.0f} s "
        f"(`python -m eval.qmsum`, data `{summary['data']}`).",
    ]


def write_up(summary: dict[str, Any]) -> str:
    results = summary["results"]
    domains = summary["domains"]
    index = summary["index"]
    chunker = index["chunker"]
    narrowing = summary["speaker_narrowing"]
    most = ", ".join(f"{name} ({n})" for name, n in narrowing["most_named"])
    lines = [
        *_header(summary),
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
        "**Indexing.** The meeting files go as they are through the product's `ingest()` into "
        "one index, as a user's files would: its json reader reads QMSum's meeting shape "
        "(non-speech markers such as `{disfmarker}` dropped, split punctuation re-attached, "
        "turns left without words dropped, consecutive turns of one speaker merged into one "
        "turn that keeps a mark where each began), and the product's chunker cuts each turn "
        f"into sentence windows of at most {chunker.get('max_chars')} characters "
        f"({chunker.get('overlap_sentences')}-sentence overlap), embedded "
        f"{'with' if index['speaker_prefix'] else 'without'} the speaker prefix: "
        f"{index['documents']} documents, {index['chunks']} chunks, "
        f"{index['mean_words']:.0f} words each on average. Earlier runs built synthetic "
        "transcripts by hand and also scored windows of 3 consecutive turns; that chunking was "
        "not the product's, so it is gone (its numbers are in this file's git history).",
        "",
        "**Search.** `Assistant.search(query, k=10)` over all meetings (pooled), and "
        "`Assistant.search(query, k=10, document=<meeting file>)` per document, with the "
        "assistant switched by `with_settings(retrieval_mode=...)` between `bm25`, `dense` and "
        "`hybrid` (reciprocal-rank fusion, k = 60). It is the product's own search, so when "
        "it reads a question as naming a speaker ('What did Marketing say ...') it searches "
        f"that speaker's words only: it did so for {narrowing['queries']} of the "
        f"{summary['queries']} queries, and for {narrowing['own_meeting']} of them the "
        "speaker speaks in the query's own meeting (most often named: "
        f"{most or 'none'}). The *speaker cues off* row is the hybrid `Searcher` alone, "
        "without that step: the difference is what the speaker reading does. The random row "
        "ranks the same chunks (all of them, or the meeting's) in a seeded random order: the "
        "floor that evidence size alone gives.",
        "",
        "**Matching evidence.** Each QMSum turn with words has a character span in the indexed "
        "text (from the reader's mark for it to the next one, see `eval/qmsum/turnmap.py`). The "
        "gold turns G of a query are the union of all its spans, minus turns with no words. A "
        "hit is relevant when it comes from the query's own meeting and its chunk's character "
        "span overlaps the span of a gold turn.",
        "",
        "- **Hit@k**: a relevant chunk is among the top k. **MRR@10**: 1/rank of the first "
        "relevant chunk, 0 if none in the top 10.",
        "- **turn-R@k** (turn recall): |G ∩ turns the top-k chunks of the query's meeting "
        "overlap| / |G|, over all spans together. It is strict: evidence is often dozens of "
        "turns and 10 chunks cannot cover it, so low values are expected.",
        "- **words@10**: words in the top 10 chunks. **own-meeting@10** (pooled): share of the "
        "top 10 from the query's meeting. **MRR ÷ BM25**: against BM25 in the same run.",
        "- All are macro averages over queries. Pooled: chunks of other meetings never count, "
        "even when the same query text exists there (the AMI meetings are five teams doing the "
        "same design task, so near-duplicate queries are common).",
        "",
    ]
    for setting in ("document", "pooled"):
        title = SETTING_TITLES[setting]
        lines += [f"## {title}", "", *_table(results[setting], pooled=setting == "pooled"), ""]
        floor = results[setting]["random"]["all"]["hit@10"]
        lines += [
            f"The random order reaches Hit@10 {floor:.2f}"
            + (
                ": inside one meeting the evidence is often a large share of the turns, so "
                "read Hit@k against that floor, not against 0."
                if setting == "document"
                else "."
            ),
            "",
            "Paired differences over the same queries (mean, 95% bootstrap interval over "
            "queries, 10,000 resamples):",
            "",
            *_verdicts(summary["comparisons"][setting], title),
            "",
        ]
    for setting in ("document", "pooled"):
        for domain in domains:
            lines += [f"### {SETTING_TITLES[setting]}, {domain}", ""]
            lines += [*_table(results[setting], domain, pooled=setting == "pooled"), ""]
    zero = {s: results[s]["bm25"]["all"].get("bm25_zero@10", math.nan) for s in results}
    stages = ", ".join(f"{k} {v:.0f}" for k, v in summary["ingest"]["stages"].items())
    search = ", ".join(f"{k} {v:.0f}" for k, v in summary["search_ms_per_query"].items())
    lines += [
        "## Notes",
        "",
        "- The bm25 mode breaks ties by dense score, so chunks sharing no query word still "
        "fill the top 10 in dense order. Mean slots per query filled that way: "
        + ", ".join(f"{SETTING_TITLES[k].lower()} {v:.2f}" for k, v in zero.items())
        + ".",
        "- Dense vectors come from the product's default embedder (named in the header); "
        "passages through `embed`, questions through `embed_query`. Its models read a bounded "
        "number of word pieces (MiniLM 256), so long chunks are embedded from their beginning "
        "only, while BM25 reads all of them.",
        "- Per-document search runs over the one index: BM25's word statistics are the whole "
        "corpus's, not the meeting's.",
        f"- Ingest by stage (s): {stages or 'n/a'}. Search, mean ms per query: {search}.",
        f"- Runtime by stage (s): {summary['runtime_s']}.",
    ]
    if summary["skipped"]:
        lines += ["", "## Skipped queries", ""]
        lines += [f"- {s['id']} ({s['reason']}): {s['query']}" for s in summary["skipped"]]
    return "\n".join(lines) + "\n"
