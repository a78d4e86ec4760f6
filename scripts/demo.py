"""`make demo`: train a quick model on the bundled sample corpus, evaluate it, annotate a text.

Runs the three public commands a researcher would type, and prints what they print.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ARGMINE = [sys.executable, "-m", "argmine.cli"]


def run(args: list[str]) -> str:
    print(f"\n$ argmine {' '.join(args)}", flush=True)
    proc = subprocess.run([*ARGMINE, *args], cwd=REPO, text=True, stdout=subprocess.PIPE)
    print(proc.stdout, end="", flush=True)
    if proc.returncode != 0:
        sys.exit(f"demo: `argmine {' '.join(args)}` failed with status {proc.returncode}")
    return proc.stdout


def main() -> None:
    start = time.perf_counter()
    out = run(["train", "experiment=quickstart"])
    run_dir = Path(out.strip().splitlines()[-1])
    run(["eval", f"ckpt_path={run_dir / 'checkpoints' / 'best.ckpt'}"])
    run(["predict", "--model", str(run_dir / "model"), "--format", "text", str(REPO / "examples" / "city_cars.txt")])
    print(f"\ndemo finished in {time.perf_counter() - start:.0f} s; run folder: {run_dir}")


if __name__ == "__main__":
    main()
