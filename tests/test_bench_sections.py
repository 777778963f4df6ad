"""`python -m bench.reliability --only SECTION` reruns one section: the figures of the others
stay as the last run measured them, and the page says which command measured which section."""

from __future__ import annotations

import json
from pathlib import Path

from bench.reliability import SECTIONS, merged
from bench.writeup import markdown

ROOT = Path(__file__).resolve().parents[1]


def test_a_partial_run_keeps_every_other_section_and_says_what_it_reran(tmp_path: Path) -> None:
    committed = ROOT / "docs" / "reliability.json"
    before = json.loads(committed.read_text(encoding="utf-8"))
    previous = tmp_path / "reliability.json"
    old = {k: v for k, v in before.items() if k not in ("broken", "runs")}  # as before --only
    previous.write_text(json.dumps(old), encoding="utf-8")
    measured = {"machine": "m", "seconds": 7, "broken": before["broken"]}
    command = "python -m bench.reliability --only faults"

    figures = merged(previous, measured, command, {"faults"}, partial=True)
    for key in (*SECTIONS["crash"], *SECTIONS["queries"], "command", "seconds", "machine"):
        if key in old:
            assert figures[key] == old[key], key
    assert figures["broken"] == measured["broken"]
    assert figures["runs"]["faults"] == {"command": command, "seconds": 7}
    assert figures["runs"]["crash"]["command"] == old["command"]
    page = markdown(figures)
    assert "## Faults: a full disk, PostgreSQL killed, uploads that race" in page
    assert f"*faults* by `{command}` in 7 s" in page
    assert "*crash*" not in page  # measured by the full run the page's first line names
    assert "## Crashes: `kill -9` during an ingest" in page and "## Hostile questions" in page


def test_the_committed_page_is_what_the_committed_figures_give() -> None:
    figures = json.loads((ROOT / "docs" / "reliability.json").read_text(encoding="utf-8"))
    page = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    assert markdown(figures) == page


def test_a_full_run_measures_every_section(tmp_path: Path) -> None:
    figures = merged(
        tmp_path / "none.json",
        {"seconds": 3},
        "python -m bench.reliability",
        set(SECTIONS),
        partial=False,
    )
    assert set(figures["runs"]) == set(SECTIONS)
    assert figures["command"] == "python -m bench.reliability"
