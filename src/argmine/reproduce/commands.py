"""``argmine reproduce NAME [--seeds N] [--quick]``: reproduce a published result.

A reproducible setting is an experiment config (``configs/experiment/NAME.yaml``) whose ``meta``
carries the paper's numbers (``meta.paper: {metric key: value}``), a tolerance and how to run it
(``meta.seeds``, ``meta.quick`` overrides for a smoke run). The command runs
``argmine train -m experiment=NAME seed=1,...,N`` (or, when ``meta.folds`` is set, one job per
cross-validation fold: ``cv.fold=range(0,folds)``), reads
the multirun summary and writes ``experiments/NAME/results.json`` and ``results.md``:
paper value, ours (mean ± std, n), difference, the exact command, commit, machine and wall time.
``--quick`` results go to ``outputs/reproduce_quick/NAME/`` instead, marked ``"quick": true``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from argmine.config_path import configs_dir
from argmine.errors import ArgmineError

REPO = Path(__file__).resolve().parents[3]
#: what ``r_f1_*`` means in results written now (recorded with them: the table says it per row)
RELATION_PROTOCOL = "Eger et al. 2017, per unit"


def experiments_dir() -> Path:
    return REPO / "experiments"


def quick_dir(name: str) -> Path:
    """Where ``--quick`` results go: beside the runs (``$ARGMINE_OUTPUT_DIR`` or ``outputs/``),
    never under ``experiments/``, whose results make the reproduction table."""
    return REPO / os.environ.get("ARGMINE_OUTPUT_DIR", "outputs") / "reproduce_quick" / name


def settings() -> dict[str, dict[str, Any]]:
    """Experiment name -> its ``meta`` block, for experiments that carry paper numbers."""
    # deferred: omegaconf loads only after the arguments parse (`reproduce --help` stays fast)
    from omegaconf import OmegaConf

    out = {}
    for path in sorted((configs_dir() / "experiment").glob("*.yaml")):
        meta = OmegaConf.load(path).get("meta")
        if meta is not None and meta.get("paper"):
            out[path.stem] = OmegaConf.to_container(meta, resolve=False)
    return out


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def commit() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, text=True, capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, text=True,
                               capture_output=True).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def build_command(name: str, meta: dict[str, Any], seeds: int, quick: bool, extra: list[str]) -> list[str]:
    if meta.get("folds"):  # cross-validation setting: one job per fold (seed 1), e.g. 10x5 CV
        n = 2 if quick else int(meta["folds"])
        repeat = ["seed=1", f"cv.fold=range(0,{n})"]
    else:
        repeat = [f"seed={','.join(str(s) for s in range(1, seeds + 1))}"]
    overrides = [f"experiment={name}", *repeat, "trainer.enable_progress_bar=false",
                 *list(meta.get("overrides", []))]
    if quick:
        overrides += list(meta.get("quick", ["trainer.max_epochs=2"]))
    return ["argmine", "train", "-m", *overrides, *extra]


def compare(meta: dict[str, Any], summary: dict[str, Any]) -> dict[str, Any]:
    """Ours (mean ± std, n) for every paper metric, from a multirun summary with one configuration."""
    if len(summary["configurations"]) != 1:
        raise ArgmineError(f"expected one configuration in the multirun, got {len(summary['configurations'])}")
    metrics = summary["configurations"][0]["metrics"]
    ours = {}
    for key in meta["paper"]:
        if key not in metrics:
            raise ArgmineError(f"the runs did not log {key!r} (paper metric of this setting)")
        s = metrics[key]
        ours[key] = {"mean": s["mean"], "std": s["std"], "n": s["n"]}
    return ours


def write_results(name: str, meta: dict[str, Any], ours: dict[str, Any], command: list[str], wall_s: float,
                  out_dir: Path, code_commit: str | None = None, quick: bool = False,
                  selected_by: list[str] | None = None) -> dict[str, Any]:
    """Write ``results.json`` and ``results.md``; ``code_commit``: the commit the runs started
    from (default: HEAD now; ``main`` records it before the runs, so later commits made while a
    long reproduction runs are not credited with it). ``quick`` marks a smoke run
    (``"quick": true``), which the reproduction table leaves out. ``selected_by``: the metric(s)
    that chose the runs' checkpoints (their ``metrics.json``), recorded as ``selected_by``."""
    tolerance = meta.get("tolerance")
    result = {
        "name": name,
        "description": meta.get("description", ""),
        "paper": dict(meta["paper"]),
        "paper_source": meta.get("paper_source", ""),
        "tolerance": tolerance,
        "ours": ours,
        "command": " ".join(command),
        "commit": code_commit or commit(),
        "machine": machine(),
        "wall_s": round(wall_s, 1),
    }
    if selected_by:
        result["selected_by"] = selected_by[0] if len(selected_by) == 1 else selected_by
    if quick:
        result["quick"] = True
    if any("/r_f1_" in key for key in result["paper"]):
        result["relation_protocol"] = RELATION_PROTOCOL
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    write_markdown(result, out_dir)
    return result


def write_markdown(result: dict[str, Any], out_dir: Path) -> None:
    """``results.md`` of a results dict: the paper comparison, then any ``other`` metrics."""
    ours = result["ours"]
    lines = [
        f"# {result['name']}\n", f"{result['description']}\n", f"Paper: {result['paper_source']}\n",
        "| metric | paper | ours (mean ± std) | n | difference |", "|---|---|---|---|---|",
    ]
    if result.get("quick"):
        lines[3:3] = ["**Smoke run (`--quick`): not a reproduction; left out of the reproduction table.**\n"]
    for key, paper in result["paper"].items():
        o = ours[key]
        lines.append(f"| {key} | {paper:.4f} | {o['mean']:.4f} ± {o['std']:.4f} | {o['n']} | {o['mean'] - paper:+.4f} |")
    if result.get("other"):
        lines += ["", "Also logged (no paper value under this protocol):", "",
                  "| metric | ours (mean ± std) | n |", "|---|---|---|"]
        lines += [f"| {k} | {o['mean']:.4f} ± {o['std']:.4f} | {o['n']} |" for k, o in result["other"].items()]
    if result.get("selected_by"):
        lines += ["", f"Checkpoint chosen on: `{result['selected_by']}` (validation)"]
    lines += ["", f"Command: `{result['command']}`  ", f"Commit: `{result['commit']}`  ",
              f"Machine: {result['machine']}  ", f"Wall time: {result['wall_s']} s", ""]
    if result.get("rescored"):
        lines += [f"Re-scored with the current metrics from the runs' predictions: `{result['rescored']['command']}`", ""]
    (out_dir / "results.md").write_text("\n".join(lines), encoding="utf-8")


def reproduce_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="argmine reproduce", description=__doc__.splitlines()[0])
    parser.add_argument("name", nargs="?", help="setting (experiment) name; see --list")
    parser.add_argument("--list", action="store_true", help="list the reproducible settings")
    parser.add_argument("--seeds", type=int, default=None, help="number of seeds (default: the setting's)")
    parser.add_argument("--quick", action="store_true", help="smoke run with the setting's quick overrides")
    parser.add_argument("--out", type=Path, default=None, help="results folder (default experiments/NAME; with --quick outputs/reproduce_quick/NAME)")
    parser.add_argument("overrides", nargs="*", help="extra Hydra overrides")
    args = parser.parse_intermixed_args(argv)  # overrides may follow options
    known = settings()
    if args.list or not args.name:
        for name, meta in known.items():
            paper = ", ".join(f"{k}={v}" for k, v in meta["paper"].items())
            print(f"{name:<32} {meta.get('description', '')}\n{'':<32} paper: {paper}")
        return 0
    if args.name not in known:
        raise ArgmineError(f"unknown setting {args.name!r}; `argmine reproduce --list` shows them")
    meta = known[args.name]
    seeds = args.seeds or int(meta.get("seeds", 3))
    command = build_command(args.name, meta, seeds, args.quick, args.overrides)
    code_commit = commit()  # before the runs: the code they use
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "argmine.cli", *command[1:]], cwd=REPO, text=True,
                          stdout=subprocess.PIPE)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise ArgmineError(f"the runs failed (exit status {proc.returncode}); command: {' '.join(command)}")
    summary_md = Path(proc.stdout.strip().splitlines()[-1])
    summary = json.loads(summary_md.with_suffix(".json").read_text(encoding="utf-8"))
    ours = compare(meta, summary)
    out_dir = args.out or (quick_dir(args.name) if args.quick else experiments_dir() / args.name)
    selected_by = sorted({str(r["metrics"]["selected_by"]) for r in summary.get("runs", []) if "selected_by" in r["metrics"]})
    result = write_results(args.name, meta, ours, command, wall, out_dir, code_commit, quick=args.quick,
                           selected_by=selected_by)
    for key, paper in result["paper"].items():
        o = ours[key]
        print(f"{key}: paper {paper:.4f}, ours {o['mean']:.4f} ± {o['std']:.4f} (n={o['n']})")
    print(out_dir / "results.md")
    return 0
