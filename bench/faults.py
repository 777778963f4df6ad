"""Faults measured: the disk fills during an index write, PostgreSQL is killed in the middle of
an ingest, uploads race (each other, and a command-line ingest). The `faults` section of
`python -m bench.reliability` (`--only faults` runs it alone); the scenarios are those of
tests/test_full_disk.py, test_pg_killed.py and test_upload_races.py (tests.support), here
with their figures kept and the PostgreSQL kill repeated.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the page's writer (bench.writeup) imports this module without them
    from tests.support.pg_kill import KillableServer


def measure(work: Path, pg_trials: int = 3) -> dict[str, Any]:
    from retrieval import Assistant
    from tests.support import full_disk, pg_kill, upload_races
    from tests.support.corpora import write_corpus
    from tests.support.seed import settings_at
    from webinar_rag.models import load_embedder

    embedder = load_embedder(settings_at(work / "unused").models)
    out: dict[str, Any] = {"disk": [], "pg_killed": [], "uploads": {}}
    from webinar_rag.store import load_index

    def loads(index_dir: Path) -> None:
        load_index(index_dir)  # the old index, checksums verified (the tests ask it too)

    began = time.perf_counter()
    out["disk"].append(asdict(full_disk.under_a_file_size_limit(work / "fsize", embedder, loads)))
    try:
        filled = full_disk.on_a_full_disk(work / "tmpfs", embedder, loads)
        out["disk"].append(asdict(filled))
    except full_disk.CannotMount as exc:
        out["disk"].append({"how": "full disk", "skipped": f"cannot mount a tmpfs: {exc}"})
    print(f"disk done in {time.perf_counter() - began:.0f} s", flush=True)

    server = pg_kill.KillableServer(work / "pgdata")
    try:
        for trial in range(pg_trials):
            out["pg_killed"].append(_pg_trial(server, work / f"pg-{trial}", embedder))
    finally:
        server.close()
    print(f"postgres done in {time.perf_counter() - began:.0f} s", flush=True)

    def fresh(name: str) -> Assistant:
        corpus = work / name / "corpus"
        corpus.mkdir(parents=True)
        (corpus / "standup.txt").write_text(upload_races.STANDUP, encoding="utf-8")
        settings = settings_at(work / name / "index", corpus)
        from ingest import ingest

        ingest([corpus], settings, embedder=embedder)
        return Assistant.load(settings)

    for handlers in ("one page", "two servers"):
        assistant = fresh(handlers.replace(" ", "-"))
        statuses = upload_races.at_once(assistant, work / handlers, handlers == "two servers")
        out["uploads"][handlers] = {
            "statuses": {n: _words(s) for n, s in statuses.items()},
            "indexed": upload_races.indexed(assistant),
        }
    assistant = fresh("during")
    other = write_corpus(work / "elsewhere", files=3, turns=12)
    status, code, err, _ = upload_races.during_cli_ingest(assistant, other, work / "during")
    out["uploads"]["during a CLI ingest"] = {
        "statuses": {"minutes.txt": _words(status)},
        "indexed": upload_races.indexed(assistant),
        "cli_code": code,
        "cli_error": err.strip(),
    }
    out["seconds"] = round(time.perf_counter() - began)
    return out


def _pg_trial(server: KillableServer, work: Path, embedder: Any) -> dict[str, Any]:
    from ingest import ingest
    from tests.support import pg_kill
    from tests.support.corpora import write_corpus
    from webinar_rag.core import IndexSettings, Settings

    def at(url: str, corpus: Path) -> Settings:
        base = Settings(index=IndexSettings(store_url=url))
        return base.changed(backend="extractive").at_corpus(corpus)

    a = write_corpus(work / "A", files=2, turns=6)
    b = write_corpus(work / "B", files=3, turns=16, version=1)
    url = server.database()
    ingest([a], at(url, a), embedder=embedder)
    killed = pg_kill.kill_mid_ingest(server, url, b)
    again = ingest([b], at(url, b), embedder=embedder)
    expected = sorted({*(p.name for p in a.iterdir()), *(p.name for p in b.iterdir())})
    return asdict(killed) | {
        "next_ok": not again.failed and pg_kill.names(url) == expected,
    }


def _words(status_html: str) -> str:
    """A status of the page as text."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", status_html)).strip()


def _cell(text: str) -> str:
    text = re.sub(r"(index at )/\S+?(: |\. )", r"\1…/index\2", text)
    return text.replace("|", "\\|").replace("\n", " ").strip()


def markdown(f: dict[str, Any]) -> list[str]:
    """The section's lines of docs/reliability.md."""
    out = [
        "## Faults: a full disk, PostgreSQL killed, uploads that race",
        "",
        "`webinar-rag ingest` of a larger corpus over an index of a smaller one, in a child "
        "process that runs out of room while it writes the index (tests/test_full_disk.py):",
        "",
        "| how | exit | seconds | old index byte for byte | left beside it | next ingest, "
        "with room | what it said |",
        "| --- | ---: | ---: | --- | --- | --- | --- |",
    ]
    for d in f["disk"]:
        if "skipped" in d:
            out.append(f"| {d['how']} | - | - | - | - | - | skipped: {_cell(d['skipped'])} |")
            continue
        out.append(
            f"| {d['how']} | {d['code']} | {d['seconds']:.1f} | {'yes' if d['unchanged'] else 'NO'}"
            f" | {', '.join(d['left_beside']) or 'nothing'} | exit {d['next_code']}, "
            f"{len(d['next_sources'])} documents | {_cell(d['message'])} |"
        )
    out += [
        "",
        "The file size limit is RLIMIT_FSIZE set in the child (EFBIG); the full disk an 8 MB "
        "tmpfs filled to its last 64 KB (ENOSPC), the filler deleted before the next ingest.",
        "",
        "PostgreSQL killed with SIGKILL (the postmaster) once the ingest's transaction began "
        "writing, then started again on its data folder (tests/test_pg_killed.py):",
        "",
        "| trial | killed mid-write | exit | s to the kill | s from kill to exit | restart s "
        "| old rows intact | next ingest | what it said |",
        "| ---: | --- | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for n, k in enumerate(f["pg_killed"], 1):
        out.append(
            f"| {n} | {'yes' if k['mid_write'] else 'no'} | {k['code']} "
            f"| {k['seconds_to_write']:.1f} | {k['seconds_to_exit']:.2f} "
            f"| {k['restart_seconds']:.1f} | {'yes' if k['intact'] else 'NO'} "
            f"| {'succeeded' if k['next_ok'] else 'FAILED'} | {_cell(k['message'])} |"
        )
    out += [
        "",
        "Uploads through the documents tab's handler, over an index of one document "
        "(tests/test_upload_races.py):",
        "",
        "| case | what the page said, per upload | the index after |",
        "| --- | --- | --- |",
    ]
    for case, u in f["uploads"].items():
        said = "; ".join(u["statuses"].values())  # each names its file
        after = f"{len(u['indexed'])} documents: {', '.join(u['indexed'])}"
        if "cli_code" in u:
            after += f" (the CLI ingest exited {u['cli_code']})"
        case = case if case.startswith("during") else f"two at once, {case}"
        out.append(f"| {case} | {_cell(said)} | {after} |")
    out += [
        "",
        "An upload that waits longer than the page's limit (120 s) for another ingest is "
        "taken out again, and the page says `Another ingest (PID …) is writing the index and "
        "did not finish within 120 s. Nothing was added, …` (asserted by "
        "test_upload_races::test_an_upload_that_waits_too_long_says_who_writes_and_keeps_"
        "nothing_half).",
        "",
    ]
    return out
