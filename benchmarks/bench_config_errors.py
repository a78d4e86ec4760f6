"""config_errors: how long a wrong override takes to be reported, as a user meets it.

ours: ``argmine train experiment=quickstart <wrong override>`` in a fresh process (the config is
composed and checked before torch, Lightning or transformers are imported), for a few kinds of
error: a wrong type, a value out of range, a misspelled key, an unknown config option, a
misspelled metric name.

baseline: the same process start-up plus the import of the training stack that every run used
to pay before its config was checked (``python -c "import argmine.training.train"``): the floor
of the old path, without its composition and check.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from typing import Any

from benchmarks.common import Result, RunResult, alternate, summarize

GOAL = "a config error printed in under 1.5 s"
WRONG = ["seed=abc", "data.batch_size=-3", "trainer.max_epoch=1", "data=aae2_paragrap", "optimized_metric=val/c_f1_exat"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repeat", type=int, default=5)


def _timed_process(args: list[str], expect: int) -> float:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "WANDB_MODE": "disabled"}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != expect:
        raise SystemExit(f"{args}: exit status {proc.returncode}, expected {expect}\n{proc.stderr[-2000:]}")
    return seconds


def run_ours() -> RunResult:
    with tempfile.TemporaryDirectory() as root:
        times = [_timed_process(["-m", "argmine.cli", "train", "experiment=quickstart", "logger=none",
                                 f"paths.root_dir={root}", wrong], expect=1) for wrong in WRONG]
    return {"seconds": sum(times) / len(times), "throughput": len(times) / sum(times),
            "max_seconds": max(times), **{f"s_{w.split('=')[0]}": round(t, 3) for w, t in zip(WRONG, times, strict=True)}}


def run_baseline() -> RunResult:
    seconds = _timed_process(["-c", "import argmine.training.train"], expect=0)
    return {"seconds": seconds, "throughput": 1 / seconds}


def run(args: argparse.Namespace) -> Result:
    a, b = alternate(run_ours, run_baseline, args.repeat)
    extra: dict[str, Any] = {"overrides": WRONG}
    return Result(
        "config_errors",
        summarize(a, f"argmine train <wrong override> (mean over {len(WRONG)} kinds), fresh process", "errors/s"),
        summarize(b, "fresh process importing the training stack (the old path's floor)", "imports/s"),
        goal=GOAL,
        notes=["seconds: wall time of a whole process, start-up included; medians over rounds"],
        extra=extra,
    )
