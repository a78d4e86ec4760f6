"""The reproduction check of the default test suite: Eger et al.'s STagBLCC at paragraph level
through ``argmine reproduce`` exactly as a user runs it, on a fixed, deterministic, cheaper
schedule (one torch thread, seed 1, a fixed number of epochs, no early stopping: the overrides
in ``tests/e2e/reference/stagblcc_paragraph_check.json``).

Its test C-F1 and both R-F1 protocols must equal the reference within a tight band in BOTH
directions, so any change to training, decoding or scoring shows here, better or worse. The
reference was recorded from a clean commit by
``ARGMINE_DATA_DIR=../shared/corpora python scripts/record_reproduction_check.py``: re-record it
(and say why in the commit) when a change is meant to move these numbers. One thread on one CPU
model is deterministic, so the band there is 0.005; another CPU model sums floats in another
order and a seed lands elsewhere in the spread of seeds, so there the band is 0.04 (printed).
The full 3-seed reproduction stays in ``make reproduce NAME=eger2017_stagblcc_paragraph``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from tests.conftest import REPO_ROOT

pytestmark = [pytest.mark.corpora, pytest.mark.slow]

sys.path.insert(0, str(REPO_ROOT / "scripts"))
from record_reproduction_check import KEYS, REFERENCE, SETTING, run_check  # noqa: E402

SAME_CPU_BAND = 0.005
OTHER_CPU_BAND = 0.04


def cpu(machine: str) -> str:
    return machine.split(",")[0]


def test_stagblcc_paragraph_check_equals_the_reference(shared_corpora: Path, tmp_path: Path, monkeypatch) -> None:
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    assert reference["setting"] == SETTING and "+dirty" not in reference["commit"]
    monkeypatch.setenv("ARGMINE_DATA_DIR", str(shared_corpora))
    result, metrics = run_check(reference["overrides"], tmp_path)
    assert result["name"] == SETTING and result["commit"] and result["machine"]
    same_cpu = cpu(result["machine"]) == cpu(reference["machine"])
    band = SAME_CPU_BAND if same_cpu else OTHER_CPU_BAND
    print(f"reference from {reference['machine']} at {reference['commit'][:10]}; this machine: "
          f"{result['machine']}; band ±{band}")
    for key in KEYS:
        ours, recorded = metrics[key], reference["metrics"][key]
        print(f"{key}: {ours:.4f} (reference {recorded:.4f})")
        assert abs(ours - recorded) <= band, (key, ours, recorded, band)

    # the exported essay model on a news article about a political dispute (written for the
    # tests), unified labels: offsets hold, claims (or counter-arguments) and premises are found,
    # relations join spans
    from tests.conftest import run_argmine

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
    assert "premise" in labels and labels & {"claim", "counter_argument"}
    ids = {s["id"] for s in rec["spans"]}
    assert rec["relations"] and all(r["source"] in ids and r["target"] in ids for r in rec["relations"])
