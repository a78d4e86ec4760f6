"""``argmine reproduce``: settings, commands for seeds and folds, comparison, results files, and
the experiments table generated from them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from argmine.errors import ArgmineError
from argmine.reproduce.commands import build_command, compare, settings, write_results

REPO = Path(__file__).resolve().parents[2]

EXPECTED = {
    "eger2017_stagblcc_paragraph", "eger2017_stagblcc_essay", "argmine_aae2_paragraph",
    "stab2017_gold_components", "peldszus2015_microtexts", "mayer2020_abstrct",
    "mayer2020_abstrct_relations",
}  # fmt: skip


def test_every_published_setting_is_listed_with_paper_numbers_and_tolerance() -> None:
    known = settings()
    assert set(known) >= EXPECTED
    for name in EXPECTED:
        meta = known[name]
        assert meta["paper"] and all(k.startswith("test/") for k in meta["paper"]), name
        assert meta["tolerance"] is not None and meta.get("paper_source"), name


def test_commands_for_seeds_and_for_cross_validation_folds() -> None:
    seeds = build_command("x", {"paper": {}}, 3, False, ["a=1"])
    assert seeds[:3] == ["argmine", "train", "-m"] and "seed=1,2,3" in seeds and seeds[-1] == "a=1"
    folds = build_command("mt", {"paper": {}, "folds": 50, "quick": ["trainer.max_epochs=1"]}, 3, False, [])
    assert "seed=1" in folds and "cv.fold=range(0,50)" in folds
    quick = build_command("mt", {"paper": {}, "folds": 50, "quick": ["trainer.max_epochs=1"]}, 3, True, [])
    assert "cv.fold=range(0,2)" in quick and "trainer.max_epochs=1" in quick


def test_compare_and_results_files(tmp_path: Path) -> None:
    meta = {"paper": {"test/c_f1_exact": 0.6}, "tolerance": 0.02, "description": "d", "paper_source": "p"}
    summary = {"configurations": [{"metrics": {"test/c_f1_exact": {"mean": 0.55, "std": 0.01, "n": 3}}}]}
    ours = compare(meta, summary)
    assert ours == {"test/c_f1_exact": {"mean": 0.55, "std": 0.01, "n": 3}}
    result = write_results("demo", meta, ours, ["argmine", "train"], 12.34, tmp_path)
    saved = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert saved == result and saved["wall_s"] == 12.3 and saved["command"] == "argmine train"
    assert "| test/c_f1_exact | 0.6000 | 0.5500 ± 0.0100 | 3 | -0.0500 |" in (tmp_path / "results.md").read_text()
    with pytest.raises(ArgmineError, match="did not log 'test/r_f1_exact'"):
        compare({"paper": {"test/r_f1_exact": 0.4}}, summary)
    # the commit the runs started from, not HEAD when they end
    started = write_results("demo", meta, ours, ["argmine", "train"], 1.0, tmp_path, code_commit="abc123")
    assert started["commit"] == "abc123"
    assert "Commit: `abc123`" in (tmp_path / "results.md").read_text()


def test_experiments_table_is_up_to_date_with_the_results_files() -> None:
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "results_table.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_overrides_may_follow_options(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import argmine.reproduce.commands as rc

    seen = {}

    def fake_run(cmd, **kwargs):  # noqa: ANN001, ANN003, ANN202
        seen["cmd"] = cmd
        return subprocess.CompletedProcess(cmd, 3, stdout="")

    monkeypatch.setattr(rc.subprocess, "run", fake_run)
    with pytest.raises(ArgmineError, match="exit status 3"):
        rc.reproduce_command(["eger2017_stagblcc_paragraph", "--seeds", "1", "--out", str(tmp_path), "logger=csv"])
    assert "seed=1" in seen["cmd"] and seen["cmd"][-1] == "logger=csv"


def _fake_runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Stand in for the training multirun: a summary with the setting's paper metrics."""
    import argmine.reproduce.commands as rc

    summary = tmp_path / "multirun_summary.md"
    metrics = {key: {"mean": 0.5, "std": 0.0, "n": 2} for key in settings()["stab2017_gold_components"]["paper"]}
    summary.with_suffix(".json").write_text(json.dumps({"configurations": [{"metrics": metrics}]}))
    monkeypatch.setattr(rc.subprocess, "run", lambda cmd, **kw: subprocess.CompletedProcess(cmd, 0, stdout=f"{summary}\n"))


def test_quick_results_stay_out_of_experiments_and_out_of_the_table(monkeypatch: pytest.MonkeyPatch,
                                                                     tmp_path: Path) -> None:
    import runpy

    import argmine.reproduce.commands as rc

    _fake_runs(monkeypatch, tmp_path)
    monkeypatch.setenv("ARGMINE_OUTPUT_DIR", str(tmp_path / "outputs"))
    assert rc.reproduce_command(["stab2017_gold_components", "--quick"]) == 0
    written = tmp_path / "outputs" / "reproduce_quick" / "stab2017_gold_components" / "results.json"
    assert json.loads(written.read_text())["quick"] is True
    assert not (REPO / "experiments" / "stab2017_gold_components_quick").exists()
    assert "Smoke run" in written.with_name("results.md").read_text()
    # a quick result written into an experiments folder by --out is still left out of the table
    table = runpy.run_path(str(REPO / "scripts" / "results_table.py"))
    experiments = tmp_path / "experiments"
    (experiments / "smoke").mkdir(parents=True)
    (experiments / "smoke" / "results.json").write_text(written.read_text())
    table["table"].__globals__["EXPERIMENTS"] = experiments
    assert "stab2017_gold_components" not in table["table"]()
    # the same result without the mark is a row: the exclusion is what keeps it out
    full = json.loads(written.read_text())
    del full["quick"]
    (experiments / "smoke" / "results.json").write_text(json.dumps(full))
    assert "stab2017_gold_components" in table["table"]()
