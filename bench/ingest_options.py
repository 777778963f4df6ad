"""How chunk vectors are made, by ingest time and by retrieval quality, in one run: a benchmark
script, not a test.

    python -m bench.ingest_options [--meetings N] [--out bench/results] [--work DIR]

Options (`IngestSettings.chunk_vectors`): "embedded" (every chunk's text embedded beside its
sentences: the default) and "pooled" (sentences only, chunk vectors pooled from them:
ingest.pooling). For each, in this process with the model loaded once:
- ingest time of QMSum val (all 35 meetings, or the first N) into a fresh index, chunks a
  second, and the same text indexed by the plain LangChain pipeline (RecursiveCharacterText-
  Splitter 1000/200, HuggingFaceEmbeddings of the bundled MiniLM, FAISS.from_documents): the
  ratio is the figure, both measured here on the same machine load;
- retrieval quality with no model fitted on any of it: QMSum val MRR@10 of the gold evidence
  turns (one meeting's filter, as a user asks about one meeting), the seed development set's
  MRR@5 (an evidence string in the passage), ELITR-Bench dev context recall of the reference
  answer's words in the top 5 (eval.fusion's scorers), each in the default hybrid mode and
  dense alone, with paired bootstrap intervals against "embedded".
Writes ingest_options.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from eval.elitr.data import extract_transcripts
from eval.fusion import elitr_scorer, qmsum_scorer, seed_scorer
from eval.paths import ELITR_DEV, QMSUM_VAL, ROOT, save_json, save_text
from eval.qmsum.data import load_dataset
from eval.qmsum.metrics import paired_difference
from ingest import ingest
from webinar_rag.core import POOLED, Settings
from webinar_rag.models import load_embedder, minilm_path

OUT = ROOT / "bench" / "results"
OPTIONS = ("embedded", POOLED)
MODES = ("hybrid", "dense")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest_options", description=__doc__)
    parser.add_argument("--meetings", type=int, help="the first N QMSum val meetings only")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "ingest-options")
    parser.add_argument(
        "--timing",
        action="store_true",
        help="only the ingest times, one after the other with nothing else running (the "
        "quality of the last full run is kept)",
    )
    parser.add_argument("--langchain", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.langchain:  # the plain pipeline over a JSON file of texts, in this process alone
        print(json.dumps(_langchain(json.loads(args.langchain.read_text("utf-8")))))
        return 0
    if args.timing:
        return timing(args)
    began = time.perf_counter()
    base = Settings.from_env(parts=("models", "query")).changed(backend="extractive")
    loading = time.perf_counter()
    load_embedder(base.models)  # once: every ingest below reuses it
    model_s = time.perf_counter() - loading
    meetings, _ = load_dataset(QMSUM_VAL)
    meetings = meetings[: args.meetings] if args.meetings else meetings
    elitr = extract_transcripts(ELITR_DEV, args.work / "elitr-transcripts")
    rows: dict[str, dict[str, Any]] = {}
    scores: dict[str, list[float]] = {}
    for option in OPTIONS:
        settings = base.changed(chunk_vectors=option)
        work = args.work / option
        timed = _ingest([m.path for m in meetings], settings.at_index(work / "qmsum" / "index"))
        _ingest(elitr, settings.at_index(work / "elitr" / "index"))
        scorers = {
            "QMSum val": qmsum_scorer(meetings, settings, work / "qmsum"),
            "seed development set": seed_scorer(settings, work / "seed"),
            "ELITR-Bench dev": elitr_scorer(settings, work / "elitr"),
        }
        for corpus, (assistant, score) in scorers.items():
            for mode in MODES:
                scores[f"{option}|{corpus}|{mode}"] = score(
                    assistant.with_settings(retrieval_mode=mode)
                )
        rows[option] = timed
    texts = _texts(args.work / OPTIONS[0] / "qmsum" / "index", base)
    langchain = _langchain(texts)
    for row in rows.values():
        row["over_langchain"] = round(row["index_s"] / langchain["index_s"], 2)
    summary = {
        "command": "python -m bench.ingest_options"
        + (f" --meetings {args.meetings}" if args.meetings else ""),
        "machine": f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end",
        "model": base.models.embed_model,
        "model_load_s": round(model_s, 2),
        "qmsum_meetings": len(meetings),
        "ingest": rows,
        "langchain": langchain,
        "quality": _quality(scores),
        "targets": {"chunks_per_s": ">= 200", "qmsum_val_with_model_load_s": "<= 95"},
        "seconds": round(time.perf_counter() - began),
    }
    save_json(args.out / "ingest_options.json", summary)
    table = write_up(summary)
    save_text(args.out / "ingest_options.md", table)
    print(table)
    return 0


def timing(args: argparse.Namespace) -> int:
    """Each option's ingest of the same meetings and the plain LangChain pipeline's, back to
    back, the load average before and after each; the quality rows of the last run are kept."""
    began = time.perf_counter()
    base = Settings.from_env(parts=("models", "query")).changed(backend="extractive")
    loading = time.perf_counter()
    load_embedder(base.models)
    model_s = time.perf_counter() - loading
    meetings, _ = load_dataset(QMSUM_VAL)
    meetings = meetings[: args.meetings] if args.meetings else meetings
    rows: dict[str, dict[str, Any]] = {}
    for option in OPTIONS:
        before = os.getloadavg()[0]
        index = args.work / option / "timing" / "index"
        rows[option] = _ingest(
            [m.path for m in meetings], base.changed(chunk_vectors=option).at_index(index)
        )
        rows[option]["load_average"] = [round(before, 2), round(os.getloadavg()[0], 2)]
    before = os.getloadavg()[0]
    langchain = _langchain_alone(_texts(args.work / OPTIONS[0] / "timing" / "index", base))
    langchain["load_average"] = [round(before, 2), round(os.getloadavg()[0], 2)]
    for row in rows.values():
        row["over_langchain"] = round(row["index_s"] / langchain["index_s"], 2)
        row["with_model_load_s"] = round(row["index_s"] + model_s, 1)
    path = args.out / "ingest_options.json"
    summary = json.loads(path.read_text("utf-8")) if path.exists() else {"quality": {}}
    summary |= {
        "timing_command": "python -m bench.ingest_options --timing"
        + (f" --meetings {args.meetings}" if args.meetings else ""),
        "model_load_s": round(model_s, 2),
        "timing_meetings": len(meetings),
        "ingest": rows,
        "langchain": langchain,
        "timing_seconds": round(time.perf_counter() - began),
    }
    save_json(path, summary)
    table = write_up(summary)
    save_text(args.out / "ingest_options.md", table)
    print(table)
    return 0


def _ingest(paths: list[Path], settings: Settings) -> dict[str, Any]:
    """A fresh index of `paths`: seconds (the model already loaded), chunks, chunks a second."""
    began = time.perf_counter()
    done = ingest(paths, settings, rebuild=True, progress=sys.stderr.isatty())
    seconds = time.perf_counter() - began
    return {
        "index_s": round(seconds, 2),
        "stages_s": done.stages,
        "chunks": done.n_chunks,
        "chunks_per_s": round(done.n_chunks / seconds, 1),
    }


def _texts(index: Path, base: Settings) -> dict[str, str]:
    from retrieval import Assistant

    return {n: s.text for n, s in Assistant.load(base.at_index(index)).store.sources.items()}


def _langchain_alone(texts: dict[str, str]) -> dict[str, Any]:
    """`_langchain` in a process of its own: torch there has its default threads, as a user's
    LangChain script would (this process keeps torch on one, `ModelSettings.torch_threads`)."""
    with tempfile.TemporaryDirectory(prefix="ingest-options-") as tmp:
        path = Path(tmp) / "texts.json"
        path.write_text(json.dumps(texts), encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-m", "bench.ingest_options", "--langchain", str(path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _langchain(texts: dict[str, str]) -> dict[str, Any]:
    """The plain LangChain pipeline over the same texts: its model loaded first, then timed."""
    import warnings

    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    with warnings.catch_warnings():  # "langchain-community is being sunset"
        warnings.simplefilter("ignore", DeprecationWarning)
        from langchain_community.vectorstores import FAISS

    embeddings = HuggingFaceEmbeddings(model_name=minilm_path(), model_kwargs={"device": "cpu"})
    embeddings.embed_documents(["warm up"])
    began = time.perf_counter()
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    documents = splitter.create_documents(list(texts.values()))
    FAISS.from_documents(documents, embeddings)
    seconds = time.perf_counter() - began
    return {
        "index_s": round(seconds, 2),
        "chunks": len(documents),
        "chunks_per_s": round(len(documents) / seconds, 1),
    }


def _quality(scores: dict[str, list[float]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, values in scores.items():
        option, corpus, mode = key.split("|")
        entry: dict[str, Any] = {"mean": round(sum(values) / len(values), 4), "n": len(values)}
        if option != OPTIONS[0]:
            entry["vs_embedded"] = {
                k: round(v, 4)
                for k, v in paired_difference(
                    values, scores[f"{OPTIONS[0]}|{corpus}|{mode}"]
                ).items()
            }
        found[key] = entry
    return found


def write_up(summary: dict[str, Any]) -> str:
    corpora = ("QMSum val", "seed development set", "ELITR-Bench dev")
    head = ["option", "index s", "chunks/s", "x LangChain"] + [
        f"{c} {m}" for c in corpora for m in MODES
    ]
    lines = [
        "# Chunk vectors: embedded or pooled",
        "",
        f"Generated by `{summary['command']}` ({summary['seconds']} s, {summary['machine']})"
        + (
            f"; the times by `{summary['timing_command']}`, with nothing else running (load "
            "average before and after each in the JSON)"
            if "timing_command" in summary
            else ""
        )
        + f". Quality on QMSum val's {summary['qmsum_meetings']} meetings; times on "
        f"{summary.get('timing_meetings', summary['qmsum_meetings'])} of them, the model loaded "
        f"once first ({summary['model_load_s']} s, not in the times). Quality: MRR@10 (QMSum "
        "val), MRR@5 (seed), context recall@5 (ELITR); the difference against embedded with "
        "its 95% paired interval.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + " --- |" * len(head),
    ]
    lc = summary["langchain"]
    for option, row in summary["ingest"].items():
        cells = [option, str(row["index_s"]), str(row["chunks_per_s"]), str(row["over_langchain"])]
        for c in corpora:
            for m in MODES:
                q = summary["quality"][f"{option}|{c}|{m}"]
                d = q.get("vs_embedded")
                cells.append(
                    f"{q['mean']:.3f}"
                    + (f" ({d['mean']:+.3f} [{d['low']:+.3f}, {d['high']:+.3f}])" if d else "")
                )
        lines.append("| " + " | ".join(cells) + " |")
    lines.append(
        f"| plain LangChain | {lc['index_s']} | {lc['chunks_per_s']} ({lc['chunks']} chunks "
        "of 1,000 characters) | 1.0 |" + " |" * (len(head) - 4)
    )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
