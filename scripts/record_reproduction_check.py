"""Record the reference of the test suite's reproduction check (tests/e2e/test_reproduction_check.py).

Usage: ARGMINE_DATA_DIR=../shared/corpora python scripts/record_reproduction_check.py [--allow-dirty]

Runs ``argmine reproduce eger2017_stagblcc_paragraph --seeds 1`` on the check's fixed schedule
(one torch thread, a fixed number of epochs, no early stopping: the overrides in
``tests/e2e/reference/stagblcc_paragraph_check.json``) and writes that file with the test
metrics, the command, the commit and the machine. Refuses a dirty tree (the reference must come
from a commit) unless ``--allow-dirty``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "tests" / "e2e" / "reference" / "stagblcc_paragraph_check.json"
SETTING = "eger2017_stagblcc_paragraph"
DEFAULT_OVERRIDES = ["trainer.max_epochs=20", "callbacks.early_stopping=null", "logger=csv"]
KEYS = ("test/c_f1_exact", "test/c_f1_50", "test/r_f1_exact", "test/r_f1_50", "test/r_f1_doc_exact")


def run_check(overrides: list[str], workdir: Path) -> tuple[dict, dict]:
    """Run the check's schedule once; return the results.json that ``argmine reproduce`` wrote
    and the run's ``metrics.json``."""
    out = workdir / "results"
    command = [sys.executable, "-m", "argmine.cli", "reproduce", SETTING, "--seeds", "1", "--out", str(out),
               f"paths.root_dir={workdir / 'runs'}", *overrides]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1",
           "WANDB_MODE": "disabled"}
    proc = subprocess.run(command, cwd=REPO, env=env, text=True, capture_output=True, timeout=1800)
    if proc.returncode != 0:
        raise SystemExit(f"the check run failed:\n{proc.stderr[-3000:]}")
    (metrics,) = (workdir / "runs").rglob("metrics.json")
    return (json.loads((out / "results.json").read_text(encoding="utf-8")),
            json.loads(metrics.read_text(encoding="utf-8")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--allow-dirty", action="store_true")
    args = parser.parse_args(argv)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, text=True,
                           capture_output=True).stdout.strip()
    if dirty and not args.allow_dirty:
        print("error: the working tree has uncommitted changes; commit first (or --allow-dirty)", file=sys.stderr)
        return 2
    overrides = DEFAULT_OVERRIDES
    if REFERENCE.is_file():
        overrides = json.loads(REFERENCE.read_text(encoding="utf-8"))["overrides"]
    with tempfile.TemporaryDirectory() as tmp:
        result, metrics = run_check(overrides, Path(tmp))
    reference = {
        "setting": SETTING,
        "overrides": overrides,
        "threads": 1,
        "metrics": {key: metrics[key] for key in KEYS},
        "command": "ARGMINE_DATA_DIR=../shared/corpora python scripts/record_reproduction_check.py",
        "commit": result["commit"],
        "machine": result["machine"],
        "wall_s": result["wall_s"],
    }
    REFERENCE.parent.mkdir(parents=True, exist_ok=True)
    REFERENCE.write_text(json.dumps(reference, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(reference, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
