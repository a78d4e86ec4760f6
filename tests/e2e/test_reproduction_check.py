"""The reproduction check of the default test suite: Eger et al.'s STagBLCC at paragraph level
(the cheapest meaningful published setting, a few minutes on 2 CPU cores), one fixed seed, through
``argmine reproduce`` exactly as a user runs it.

Its test C-F1 (100% and 50%) and R-F1 must not fall more than the setting's tolerance (or two
standard deviations over seeds, if larger) below the mean that ``experiments/eger2017_stagblcc_paragraph/results.json`` records (the 3-seed
reproduction made by the same command), so any change that degrades training, decoding or
scoring fails here. The gap to the paper is printed, not asserted (MiniLM-derived word vectors
stand in for Eger et al.'s Komninos embeddings; see docs/reproduce.md and experiments/README.md).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.conftest import REPO_ROOT, run_argmine

SETTING = "eger2017_stagblcc_paragraph"


def test_stagblcc_paragraph_within_the_recorded_tolerance(shared_corpora: Path, tmp_path: Path) -> None:
    recorded = json.loads((REPO_ROOT / "experiments" / SETTING / "results.json").read_text(encoding="utf-8"))
    out = tmp_path / "results"
    proc = run_argmine(
        "reproduce", SETTING, "--seeds", "1", "--out", str(out), f"paths.root_dir={tmp_path / 'runs'}",
        "logger=csv",
        env={"ARGMINE_DATA_DIR": str(shared_corpora), "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")},
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert result["name"] == SETTING and result["commit"] and result["machine"]
    tolerance = recorded["tolerance"]
    for key in ("test/c_f1_exact", "test/c_f1_50", "test/r_f1_exact", "test/r_f1_50"):
        ours = result["ours"][key]
        assert ours["n"] == 1
        # the recorded runs used one torch thread; thread count changes float sums, so a seed
        # may land anywhere in the spread of seeds: allow the larger of tolerance and 2 std
        floor = recorded["ours"][key]["mean"] - max(tolerance, 2 * recorded["ours"][key]["std"])
        print(f"{key}: {ours['mean']:.4f} (recorded {recorded['ours'][key]['mean']:.4f}, "
              f"paper {recorded['paper'][key]:.4f})")
        assert ours["mean"] >= floor, (key, ours["mean"], floor)

    # the exported essay model on a news article about a political dispute (written for the
    # tests), unified labels: offsets hold, claims (or counter-arguments) and premises are found, relations join spans
    (model,) = (tmp_path / "runs").rglob("model/argmine.json")
    news = REPO_ROOT / "tests" / "fixtures" / "news_dispute.txt"
    proc = run_argmine("predict", "--model", str(model.parent), "--format", "jsonl", str(news))
    assert proc.returncode == 0, proc.stderr[-2000:]
    rec = json.loads(proc.stdout)
    assert rec["text"] == news.read_text(encoding="utf-8")
    for span in rec["spans"]:
        assert rec["text"][span["start"]:span["end"]] == span["text"]
    labels = {s["label"] for s in rec["spans"]}
    print("labels on the news article:", sorted(labels))
    assert labels <= {"major_claim", "claim", "premise", "counter_argument"}
    # premises, and claims of some kind: an essay claim against the major claim is unified as a
    # counter-argument, and which of the two the article's claims become depends on the run
    # (with one torch thread seed 1 labels them all counter_argument)
    assert "premise" in labels and labels & {"claim", "counter_argument"}
    ids = {s["id"] for s in rec["spans"]}
    assert rec["relations"] and all(r["source"] in ids and r["target"] in ids for r in rec["relations"])
