"""Aggregate a Hydra multirun: mean ± std of every metric over seeds/folds, per configuration.

Registered as a Hydra callback (``configs/hydra/default.yaml``): when a multirun ends it reads each
job's ``metrics.json`` and writes ``multirun_summary.json`` and ``multirun_summary.md`` into the
sweep folder. Jobs that differ only in ``seed`` (and ``cv.fold``) form one configuration row.
"""

from __future__ import annotations

import json
import logging
import math
import statistics
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

log = logging.getLogger(__name__)

REPEAT_KEYS = ("seed", "cv.fold")


def _job_overrides(job_dir: Path) -> list[str]:
    path = job_dir / ".hydra" / "overrides.yaml"
    if not path.is_file():
        return []
    return [str(o) for o in OmegaConf.load(path)]


def config_key(overrides: list[str]) -> str:
    """The overrides that define a configuration (everything but seeds and folds)."""
    kept = [o for o in overrides if o.lstrip("+~").split("=")[0] not in REPEAT_KEYS]
    return " ".join(sorted(kept)) or "(defaults)"


def summarize_stats(values: list[float]) -> dict[str, float]:
    n = len(values)
    return {
        "mean": statistics.fmean(values),
        "std": statistics.stdev(values) if n > 1 else 0.0,
        "min": min(values),
        "max": max(values),
        "n": n,
    }


def summarize(sweep_dir: Path) -> dict[str, Any]:
    """Read ``<sweep>/<job>/metrics.json`` of every job and aggregate per configuration."""
    runs = []
    for metrics_file in sorted(sweep_dir.glob("*/metrics.json"), key=lambda p: _job_order(p.parent.name)):
        job_dir = metrics_file.parent
        metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
        overrides = _job_overrides(job_dir)
        runs.append({"job": job_dir.name, "overrides": overrides, "config": config_key(overrides), "metrics": metrics})
    configs: dict[str, dict[str, list[float]]] = {}
    for run in runs:
        per_metric = configs.setdefault(run["config"], {})
        for key, value in run["metrics"].items():
            if isinstance(value, (int, float)) and not (isinstance(value, float) and math.isnan(value)):
                per_metric.setdefault(key, []).append(float(value))
    return {
        "sweep_dir": str(sweep_dir),
        "configurations": [
            {"config": cfg, "metrics": {k: summarize_stats(v) for k, v in sorted(ms.items())}}
            for cfg, ms in configs.items()
        ],
        "runs": runs,
    }


def _job_order(name: str) -> tuple[int, str]:
    return (int(name), name) if name.isdigit() else (10**9, name)


def to_markdown(summary: dict[str, Any], metrics_prefix: tuple[str, ...] = ("test/", "val/")) -> str:
    lines = [f"# Multirun summary\n\n`{summary['sweep_dir']}`\n"]
    for conf in summary["configurations"]:
        lines.append(f"## {conf['config']}\n")
        lines.append("| metric | mean ± std | min | max | n |")
        lines.append("|---|---|---|---|---|")
        for key, s in conf["metrics"].items():
            if key.startswith(metrics_prefix) and key.count("/") == 1:
                lines.append(f"| {key} | {s['mean']:.4f} ± {s['std']:.4f} | {s['min']:.4f} | {s['max']:.4f} | {s['n']} |")
        lines.append("")
    keys = sorted({k for r in summary["runs"] for k in r["metrics"] if k.startswith("test/") and k.count("/") == 1})
    if summary["runs"]:
        lines.append("## Runs\n")
        lines.append("| job | overrides | " + " | ".join(keys) + " |")
        lines.append("|---|---|" + "---|" * len(keys))
        for run in summary["runs"]:
            vals = [f"{run['metrics'][k]:.4f}" if isinstance(run["metrics"].get(k), (int, float)) else "" for k in keys]
            lines.append(f"| {run['job']} | {' '.join(run['overrides'])} | " + " | ".join(vals) + " |")
    return "\n".join(lines) + "\n"


def write_summary(sweep_dir: Path) -> dict[str, Any]:
    summary = summarize(sweep_dir)
    (sweep_dir / "multirun_summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    (sweep_dir / "multirun_summary.md").write_text(to_markdown(summary), encoding="utf-8")
    return summary


class MultirunSummary(Callback):
    """Hydra callback writing ``multirun_summary.{json,md}`` at the end of every multirun."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        if not sweep_dir.is_dir():
            return
        summary = write_summary(sweep_dir)
        log.info("multirun summary of %d runs: %s", len(summary["runs"]), sweep_dir / "multirun_summary.md")
        print(sweep_dir / "multirun_summary.md")
