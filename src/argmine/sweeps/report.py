"""Report of an Optuna sweep: ``optuna_summary.{json,md}`` and PNG plots in the sweep folder.

:class:`OptunaReport` is a Hydra callback (registered by the ``hparams_search`` configs) that runs
when the multirun ends: it reads the study back from its storage (the sqlite file of the sweep
folder), so a resumed sweep reports every trial, not only those of the last call. When the
configured loggers include W&B and W&B is not disabled, the plots and the trial table are
logged to a W&B run of ``job_type=optuna-summary`` in the sweep's group.
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

log = logging.getLogger(__name__)


def study_summary(storage: str, study_name: str) -> dict[str, Any]:
    """Best trial and every trial (number, state, value, params, job folder) of a stored study."""
    import optuna

    from argmine.training.pruning import make_storage

    study = optuna.load_study(study_name=study_name, storage=make_storage(storage))
    trials = [
        {"number": t.number, "job": str(t.number), "state": t.state.name, "value": _clean(t.value),
         "params": dict(t.params),
         "duration_s": t.duration.total_seconds() if t.duration is not None else None}
        for t in study.get_trials(deepcopy=False)
    ]
    complete = [t for t in trials if t["state"] == "COMPLETE" and t["value"] is not None]
    direction = study.direction.name.lower()
    best = None
    if complete:
        pick = max if direction == "maximize" else min
        best = pick(complete, key=lambda t: t["value"])
    return {"study_name": study_name, "storage": storage, "direction": direction,
            "n_trials": len(trials), "n_complete": len(complete), "best": best, "trials": trials}


def _clean(value: float | None) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def summary_markdown(summary: dict[str, Any], metric: str) -> str:
    names = sorted({k for t in summary["trials"] for k in t["params"]})
    lines = [f"# Optuna sweep `{summary['study_name']}`\n",
             f"{summary['n_complete']} of {summary['n_trials']} trial(s) complete; objective `{metric}` "
             f"({summary['direction']}).\n"]
    best = summary["best"]
    if best:
        lines.append(f"## Best: trial {best['number']}, {metric} = {best['value']:.4f}\n")
        lines += [f"- `{k}` = {v}" for k, v in sorted(best["params"].items())] + [""]
    lines.append("## Trials\n")
    lines.append("| trial | state | " + metric + " | " + " | ".join(names) + " |")
    lines.append("|---|---|---|" + "---|" * len(names))
    for t in summary["trials"]:
        value = "" if t["value"] is None else f"{t['value']:.4f}"
        params = [_fmt(t["params"].get(n)) for n in names]
        lines.append(f"| {t['number']} | {t['state']} | {value} | " + " | ".join(params) + " |")
    return "\n".join(lines) + "\n"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def plot_summary(summary: dict[str, Any], metric: str, folder: Path) -> list[Path]:
    """``optuna_trials.png`` (objective per trial with the running best) and one
    ``optuna_param_<name>.png`` per parameter (parameter value vs objective)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    done = [t for t in summary["trials"] if t["value"] is not None]
    if not done:
        return []
    paths = []
    fig, ax = plt.subplots(figsize=(6, 4))
    xs, ys = [t["number"] for t in done], [t["value"] for t in done]
    ax.plot(xs, ys, "o", label="trial")
    pick = max if summary["direction"] == "maximize" else min
    ax.step(xs, [pick(ys[: i + 1]) for i in range(len(ys))], where="post", label="best so far")
    ax.set_xlabel("trial")
    ax.set_ylabel(metric)
    ax.legend()
    fig.tight_layout()
    paths.append(folder / "optuna_trials.png")
    fig.savefig(paths[-1], dpi=100)
    plt.close(fig)
    for name in sorted({k for t in done for k in t["params"]}):
        points = [(t["params"][name], t["value"]) for t in done if name in t["params"]]
        fig, ax = plt.subplots(figsize=(5, 4))
        values = [p[0] for p in points]
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            ax.plot(values, [p[1] for p in points], "o")
            if all(v > 0 for v in values) and max(values) / min(values) > 20:
                ax.set_xscale("log")
        else:
            labels = sorted({str(v) for v in values})
            ax.plot([labels.index(str(v)) for v in values], [p[1] for p in points], "o")
            ax.set_xticks(range(len(labels)), labels)
        ax.set_xlabel(name)
        ax.set_ylabel(metric)
        fig.tight_layout()
        safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
        paths.append(folder / f"optuna_param_{safe}.png")
        fig.savefig(paths[-1], dpi=100)
        plt.close(fig)
    return paths


def write_report(storage: str, study_name: str, folder: Path, metric: str) -> dict[str, Any]:
    """Write ``optuna_summary.json``, ``optuna_summary.md`` and the plots into ``folder``."""
    summary = study_summary(storage, study_name)
    summary["metric"] = metric
    summary["plots"] = [p.name for p in plot_summary(summary, metric, folder)]
    (folder / "optuna_summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    (folder / "optuna_summary.md").write_text(summary_markdown(summary, metric), encoding="utf-8")
    return summary


def log_to_wandb(summary: dict[str, Any], folder: Path, wandb_cfg: Any) -> None:
    """Log the plots and the trial table to one W&B run in the sweep's group."""
    import wandb

    from argmine.training.loggers import wandb_mode

    mode = wandb_mode(str(wandb_cfg.get("mode", "auto")))
    if mode == "disabled":
        return
    run = wandb.init(project=wandb_cfg.get("project") or "argmine", entity=wandb_cfg.get("entity"),
                     group=folder.name, name=f"{folder.name}-summary", job_type="optuna-summary",
                     dir=str(folder), mode=mode, reinit="finish_previous")
    names = sorted({k for t in summary["trials"] for k in t["params"]})
    table = wandb.Table(columns=["trial", "state", "value", *names],
                        data=[[t["number"], t["state"], t["value"], *[t["params"].get(n) for n in names]]
                              for t in summary["trials"]])
    run.log({"optuna/trials": table, **{f"optuna/{Path(p).stem}": wandb.Image(str(folder / p))
                                         for p in summary["plots"]}})
    if summary["best"]:
        run.summary["best_value"] = summary["best"]["value"]
        run.summary["best_params"] = summary["best"]["params"]
    run.finish()


class OptunaReport(Callback):
    """Hydra callback: write the Optuna sweep report when the multirun ends."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweeper = config.hydra.sweeper
        storage, study_name = sweeper.get("storage"), sweeper.get("study_name")
        folder = Path(config.hydra.sweep.dir)
        if not storage or not study_name or not folder.is_dir():
            log.warning("Optuna report skipped: no storage/study_name configured")
            return
        metric = str(config.get("optimized_metric") or "objective")
        summary = write_report(str(storage), str(study_name), folder, metric)
        log.info("Optuna summary of %d trial(s): %s", summary["n_trials"], folder / "optuna_summary.md")
        print(folder / "optuna_summary.md")
        wandb_cfg = (config.get("logger") or {}).get("wandb")
        if wandb_cfg is not None:
            try:
                log_to_wandb(summary, folder, wandb_cfg)
            except Exception as exc:  # noqa: BLE001 - the report on disk is what matters
                log.warning("could not log the Optuna report to W&B: %s", exc)
