"""Record the reference of the test suite's reproduction check (tests/e2e/test_reproduction_check.py).

Usage: ARGMINE_DATA_DIR=../shared/corpora python scripts/record_reproduction_check.py [--allow-dirty]

Runs ``argmine reproduce eger2017_stagblcc_paragraph --seeds 1`` on the check's fixed schedule
(one torch thread, a fixed number of epochs, no early stopping: the overrides in
``tests/e2e/reference/stagblcc_paragraph_check.json``) and writes this machine's CPU entry of
that file (the other CPUs' entries are kept) with the test metrics, the command, the commit and
the machine. Refuses a dirty tree (the reference must come from a commit) unless
``--allow-dirty``.

The check runs with ``cpu_portable=true`` (torch's baseline kernels, MKL's compatible mode, no
oneDNN: ``argmine.portable``), under which one thread should compute the same floats on every
x86-64 CPU. That was measured on AMD EPYC only, so the file keeps one entry per CPU family
(vendor and brand: ``AMD EPYC``, ``Intel Xeon``), and the test compares a CPU without an entry
within a band derived from the spread of seeds (``cross_cpu_band``), which is what a CPU that
computes differently amounts to.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "tests" / "e2e" / "reference" / "stagblcc_paragraph_check.json"
SETTING = "eger2017_stagblcc_paragraph"
DEFAULT_OVERRIDES = ["cpu_portable=true", "trainer.max_epochs=8", "callbacks.early_stopping=null", "logger=csv"]
KEYS = ("test/c_f1_exact", "test/c_f1_50", "test/r_f1_exact", "test/r_f1_50", "test/r_f1_doc_exact")


def cpu_family(machine: str) -> str:
    """Vendor and brand of the CPU named first in a results.json ``machine`` string:
    ``"Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz, 2 cores, ..."`` -> ``"Intel Xeon"``."""
    name = re.sub(r"\((R|TM|tm|r)\)", " ", machine.split(",")[0])
    return " ".join(name.split()[:2])


def cpu_capability() -> str:
    """torch's native CPU capability on this machine (``AVX2``, ``AVX512``...), for the record:
    under ``cpu_portable=true`` torch runs its baseline kernels whatever it is."""
    import torch

    return torch.backends.cpu.get_cpu_capability()


def find_reference(references: list[dict], machine: str) -> dict | None:
    """The entry recorded on this CPU family, if any."""
    return next((ref for ref in references if cpu_family(ref["machine"]) == cpu_family(machine)), None)


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
    reference = json.loads(REFERENCE.read_text(encoding="utf-8")) if REFERENCE.is_file() else {
        "setting": SETTING, "overrides": DEFAULT_OVERRIDES, "threads": 1, "references": []}
    with tempfile.TemporaryDirectory() as tmp:
        result, metrics = run_check(reference["overrides"], Path(tmp))
    entry = {
        "machine": result["machine"],
        "capability": cpu_capability(),
        "metrics": {key: metrics[key] for key in KEYS},
        "command": "ARGMINE_DATA_DIR=../shared/corpora python scripts/record_reproduction_check.py",
        "commit": result["commit"],
        "wall_s": result["wall_s"],
    }
    old = find_reference(reference["references"], entry["machine"])
    reference["references"] = [r for r in reference["references"] if r is not old] + [entry]
    REFERENCE.parent.mkdir(parents=True, exist_ok=True)
    REFERENCE.write_text(json.dumps(reference, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(entry, indent=2))
    for other in reference["references"]:
        if other is not entry and other["commit"] != entry["commit"]:
            print(f"note: the entry for {other['machine']} was recorded at {other['commit'][:10]}; if this "
                  "change moves the numbers, re-record it on such a machine or remove it (the check then "
                  "uses the cross-CPU band there)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
