"""Shared plumbing: alternating timed runs, peak-memory sampling, result JSON, machine info.

Peak memory is the **peak resident-set-size increase** of the process during one run, sampled
from ``/proc/self/statm`` every 5 ms by a background thread (``ru_maxrss`` is a process-lifetime
high-water mark, so its deltas hide everything below an earlier peak; ``tracemalloc`` misses
torch's tensor allocations and slows pure-Python code several-fold). Where ``/proc`` is absent
(not Linux) the field is ``null``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = Path(__file__).resolve().parent / "results"
DEFAULT_CORPORA = Path(os.environ.get("ARGMINE_SHARED_CORPORA", REPO_ROOT.parent / "shared" / "corpora"))

#: what one run returns: must hold ``seconds`` and ``throughput`` (units per second) plus extras
RunResult = dict[str, Any]


class RssSampler:
    """Context manager measuring the peak RSS increase (MiB) over its body."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.peak_mib: float | None = None
        self._stop = threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

    def _rss(self) -> int | None:
        try:
            with open("/proc/self/statm", "rb") as fh:
                return int(fh.read().split()[1]) * self._page
        except OSError:
            return None

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            rss = self._rss()
            if rss is not None and rss > self._max:
                self._max = rss

    def __enter__(self) -> RssSampler:
        start = self._rss()
        self._start = start
        self._max = start or 0
        if start is not None:
            self._thread = threading.Thread(target=self._watch, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._start is None:
            return
        self._stop.set()
        self._thread.join()
        end = self._rss() or 0
        self.peak_mib = (max(self._max, end) - self._start) / 2**20


def _loadavg_values() -> list[float] | None:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except (OSError, ValueError):
        return None


def timed(fn: Callable[[], RunResult]) -> RunResult:
    """Run ``fn`` once under the RSS sampler; fill in ``seconds`` if ``fn`` did not."""
    with RssSampler() as mem:
        start = time.perf_counter()
        out = dict(fn())
        wall = time.perf_counter() - start
    out.setdefault("seconds", wall)
    out["wall_seconds"] = wall
    out["peak_rss_mib"] = None if mem.peak_mib is None else round(mem.peak_mib, 1)
    out["loadavg_1m"] = (_loadavg_values() or [None])[0]
    return out


def alternate(ours: Callable[[], RunResult], baseline: Callable[[], RunResult], repeat: int,
              log: Callable[[str], None] = print) -> tuple[list[RunResult], list[RunResult]]:
    """``repeat`` rounds of (ours, baseline) in this process; returns both lists of runs."""
    a: list[RunResult] = []
    b: list[RunResult] = []
    for i in range(repeat):
        a.append(timed(ours))
        log(f"  round {i + 1}/{repeat} ours:     {a[-1]['seconds']:.3f} s  ({a[-1]['throughput']:.1f}/s)")
        b.append(timed(baseline))
        log(f"  round {i + 1}/{repeat} baseline: {b[-1]['seconds']:.3f} s  ({b[-1]['throughput']:.1f}/s)")
    return a, b


def summarize(runs: list[RunResult], label: str, unit: str) -> dict[str, Any]:
    """Medians of the numeric fields (peak memory: the maximum), plus the raw per-run times."""
    out: dict[str, Any] = {"label": label, "throughput_unit": unit, "runs": len(runs)}
    keys = [k for k in runs[0] if all(isinstance(r.get(k), (int, float)) and not isinstance(r.get(k), bool)
                                      for r in runs)]
    for k in keys:
        values = [float(r[k]) for r in runs]
        out[k] = max(values) if k == "peak_rss_mib" else statistics.median(values)
    for k, v in runs[-1].items():  # non-numeric extras (e.g. notes) from the last run
        if k not in out:
            out[k] = v
    out["seconds_per_run"] = [round(float(r["seconds"]), 4) for r in runs]
    return out


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10)
        commit = out.stdout.strip() or "unknown"
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine() -> str:
    import torch

    return (f"{platform.platform()}; {cpu_model()}; nproc={os.cpu_count()}; "
            f"torch {torch.__version__} threads={torch.get_num_threads()}; python {platform.python_version()}")


@dataclass
class Result:
    """One benchmark's outcome, written to ``benchmarks/results/<name>.json``."""

    name: str
    ours: dict[str, Any]
    baseline: dict[str, Any]
    goal: str = ""
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        base = float(self.baseline.get("throughput") or 0.0)
        return float(self.ours["throughput"]) / base if base else float("nan")

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "ours": self.ours,
            "baseline": self.baseline,
            "ratio": float(f"{self.ratio:.6g}"),
            "goal": self.goal,
            "notes": self.notes,
            "extra": self.extra,
            "command": command_line(self.name),
            "commit": git_commit(),
            "machine": machine(),
            "loadavg_end": _loadavg_values(),
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }


def write_result(result: Result, out_dir: Path = RESULTS_DIR) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{result.name}.json"
    tmp = path.with_suffix(".json.part")
    tmp.write_text(json.dumps(result.to_json(), indent=2, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def print_table(result: Result) -> None:
    """A Rich table of the medians, ratio and memory."""
    from rich.console import Console
    from rich.table import Table

    data = result.to_json()
    table = Table(title=f"{data['name']}: ratio ours/baseline = {data['ratio']:.2f}x  ({data['goal']})")
    table.add_column("side")
    table.add_column("throughput")
    table.add_column("median s")
    table.add_column("peak RSS MiB")
    table.add_column("extra")
    for side in ("ours", "baseline"):
        s = data[side]
        skip = {"label", "throughput_unit", "runs", "throughput", "seconds", "peak_rss_mib",
                "seconds_per_run", "wall_seconds", "loadavg_1m"}
        extra = ", ".join(f"{k}={_fmt(v)}" for k, v in s.items() if k not in skip)
        table.add_row(f"{side}: {s['label']}", f"{s['throughput']:.1f} {s['throughput_unit']}",
                      f"{s['seconds']:.3f}", _fmt(s.get("peak_rss_mib")), extra)
    Console(width=200).print(table)
    for note in data["notes"]:
        Console().print(f"  - {note}")


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def set_threads(n: int) -> None:
    import torch

    torch.set_num_threads(n)


def command_line(name: str) -> str:
    """``python -m benchmarks NAME [options]`` as run (``all`` and a repeated name dropped)."""
    args = sys.argv[1:]
    if args and args[0] in (name, "all"):
        args = args[1:]
    return " ".join(["python -m benchmarks", name, *args])
